-- Sign-in throttling counts failures per account and address pair and per
-- address; a wrong current password on the change-password page is its own
-- kind, counted for the account alone and never as a sign-in failure.
ALTER TABLE login_failures ADD COLUMN kind TEXT NOT NULL DEFAULT 'sign-in';
CREATE INDEX login_failures_pair ON login_failures (email, ip, at);
