package trainingdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training"
)

// Enrolment is one learner's run through one version of a course.
type Enrolment struct {
	ID            string     `json:"id"`
	UserID        string     `json:"user_id"`
	CourseID      string     `json:"course_id"`
	CourseVersion int        `json:"course_version"`
	Title         string     `json:"title"`
	StartedAt     time.Time  `json:"started_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
}

// Attempt is one attempt at an enrolment's quiz: the questions drawn for
// it and, once submitted, the answers and the mark.
type Attempt struct {
	ID          string           `json:"id"`
	EnrolmentID string           `json:"enrolment_id"`
	Number      int              `json:"number"`
	Draw        []string         `json:"draw"`
	Answers     map[string][]int `json:"answers,omitempty"`
	Score       int              `json:"score"`
	Passed      bool             `json:"passed"`
	StartedAt   time.Time        `json:"started_at"`
	SubmittedAt *time.Time       `json:"submitted_at,omitempty"`
	Version     int              `json:"version"`
}

const enrolmentCols = `e.id, e.user_id, e.course_id, e.course_version, v.title, e.started_at, e.completed_at`

func scanEnrolment(sc interface{ Scan(...any) error }) (Enrolment, error) {
	var e Enrolment
	err := sc.Scan(&e.ID, &e.UserID, &e.CourseID, &e.CourseVersion, &e.Title, &e.StartedAt, &e.CompletedAt)
	e.StartedAt, e.CompletedAt = e.StartedAt.UTC(), utc(e.CompletedAt)
	return e, err
}

const enrolmentFrom = ` FROM training_enrolments e JOIN training_course_versions v ON v.course_id = e.course_id AND v.number = e.course_version`

// Start enrols learner userID on the current version of a course, or
// returns their enrolment still in progress (on whichever version they
// started, whatever the course's audience now). NotFound for another
// organisation's course; ErrNotForRole (Forbidden) for a new enrolment on
// a course the learner may not start (Access.MayStart).
func (s *DB) Start(ctx context.Context, orgID store.OrgID, userID, courseID string) (Enrolment, error) {
	var id string
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT current_version FROM training_courses WHERE org_id = $1 AND id = $2`, orgID, courseID).Scan(&cur); err != nil {
			return s.One(err, "Course", "get course")
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM training_enrolments WHERE org_id = $1 AND user_id = $2 AND course_id = $3 AND completed_at IS NULL`,
			orgID, userID, courseID).Scan(&id)
		if err == nil {
			return nil
		}
		if !store.NoRows(err) {
			return s.Wrap(err, "find enrolment")
		}
		v, err := s.version(ctx, tx, orgID, courseID, cur)
		if err != nil {
			return err
		}
		a, err := s.access(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if !a.MayStart(CourseInfo{ID: courseID, Version: cur, Course: v.Course}) {
			return ErrNotForRole
		}
		id = store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_enrolments (id, org_id, user_id, course_id, course_version, started_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, orgID, userID, courseID, cur, s.Now()); err != nil {
			return s.Wrap(err, "enrol")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "enrolment.create", Entity: "enrolment", EntityID: id,
			Summary: audit.Summarise("course", courseID, "version", strconv.Itoa(cur))})
	})
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, orgID, userID, id)
}

// Enrolment returns learner userID's enrolment id: NotFound for anyone
// else's, so that a learner cannot see another learner's results.
func (s *DB) Enrolment(ctx context.Context, orgID store.OrgID, userID, id string) (Enrolment, error) {
	return s.enrolment(ctx, s.SQL(), orgID, userID, id)
}

func (s *DB) enrolment(ctx context.Context, q store.Querier, orgID store.OrgID, userID, id string) (Enrolment, error) {
	e, err := scanEnrolment(q.QueryRowContext(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.org_id = $1 AND e.user_id = $2 AND e.id = $3`, orgID, userID, id))
	return e, s.One(err, "Enrolment", "get enrolment")
}

// Enrolments lists a learner's enrolments, newest first.
func (s *DB) Enrolments(ctx context.Context, orgID store.OrgID, userID string) ([]Enrolment, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.org_id = $1 AND e.user_id = $2 ORDER BY e.started_at DESC, e.id DESC`, orgID, userID)
	if err != nil {
		return nil, s.Wrap(err, "list enrolments")
	}
	defer rows.Close()
	var out []Enrolment
	for rows.Next() {
		e, err := scanEnrolment(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan enrolment")
		}
		out = append(out, e)
	}
	return out, s.Wrap(rows.Err(), "list enrolments")
}

const attemptCols = `id, enrolment_id, number, draw, answers, score, passed, started_at, submitted_at, version`

func scanAttempt(sc interface{ Scan(...any) error }) (Attempt, error) {
	var a Attempt
	var draw, answers string
	if err := sc.Scan(&a.ID, &a.EnrolmentID, &a.Number, &draw, &answers, &a.Score, &a.Passed, &a.StartedAt, &a.SubmittedAt, &a.Version); err != nil {
		return a, err
	}
	a.StartedAt, a.SubmittedAt = a.StartedAt.UTC(), utc(a.SubmittedAt)
	a.Draw = strings.Split(draw, ",")
	if answers != "" {
		if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
			return a, err
		}
	}
	return a, nil
}

// Attempts lists an enrolment's attempts in order.
func (s *DB) Attempts(ctx context.Context, orgID store.OrgID, enrolmentID string) ([]Attempt, error) {
	return s.attempts(ctx, s.SQL(), orgID, enrolmentID)
}

func (s *DB) attempts(ctx context.Context, q store.Querier, orgID store.OrgID, enrolmentID string) ([]Attempt, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attemptCols+` FROM training_attempts WHERE org_id = $1 AND enrolment_id = $2 ORDER BY number`, orgID, enrolmentID)
	if err != nil {
		return nil, s.Wrap(err, "list attempts")
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan attempt")
		}
		out = append(out, a)
	}
	return out, s.Wrap(rows.Err(), "list attempts")
}

// failedSinceStart are the submission times of an enrolment's failed
// attempts, for training.NextAttempt.
func failedTimes(as []Attempt) []time.Time {
	var out []time.Time
	for _, a := range as {
		if a.SubmittedAt != nil && !a.Passed {
			out = append(out, *a.SubmittedAt)
		}
	}
	return out
}

// NextAttemptAt says when the learner may start the enrolment's next
// attempt (zero: now).
func NextAttemptAt(c training.Course, as []Attempt) time.Time {
	return training.NextAttempt(c, failedTimes(as))
}

// StartAttempt starts an attempt at an enrolment's quiz, drawing its
// questions, or returns the attempt not yet submitted. Conflict when the
// course is already complete; TooMany (with RetryAfter) while the
// cool-down after the last failed attempts runs. NotFound for anyone
// else's enrolment.
func (s *DB) StartAttempt(ctx context.Context, orgID store.OrgID, userID, enrolmentID string) (Attempt, error) {
	var out Attempt
	err := s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.enrolment(ctx, tx, orgID, userID, enrolmentID)
		if err != nil {
			return err
		}
		if e.CompletedAt != nil {
			return apperr.New(apperr.Conflict, "You have already completed this course")
		}
		as, err := s.attempts(ctx, tx, orgID, e.ID)
		if err != nil {
			return err
		}
		if n := len(as); n > 0 && as[n-1].SubmittedAt == nil {
			out = as[n-1]
			return nil
		}
		v, err := s.version(ctx, tx, orgID, e.CourseID, e.CourseVersion)
		if err != nil {
			return err
		}
		now := s.Now()
		if next := NextAttemptAt(v.Course, as); next.After(now) {
			ae := apperr.New(apperr.TooMany, "You have used your %d attempts. You can try again from %s.", v.Course.MaxAttempts, next.In(clock.London).Format("15:04 on 2 January 2006"))
			ae.RetryAfter = next.Sub(now)
			return ae
		}
		s.mu.Lock()
		draw := training.DrawQuestions(v.Course.Bank(), v.Course.Draw, s.rng)
		s.mu.Unlock()
		out = Attempt{ID: store.NewID(), EnrolmentID: e.ID, Number: len(as) + 1, Draw: draw, StartedAt: now, Version: 1}
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_attempts (id, enrolment_id, org_id, user_id, number, draw, started_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`,
			out.ID, e.ID, orgID, userID, out.Number, strings.Join(draw, ","), now); err != nil {
			return s.Wrap(err, "start attempt")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "enrolment.attempt", Entity: "enrolment", EntityID: e.ID,
			Summary: audit.Summarise("attempt", strconv.Itoa(out.Number), "questions", strconv.Itoa(len(draw)))})
	})
	return out, err
}

// AttemptView is an attempt with its enrolment and the course version it
// belongs to.
type AttemptView struct {
	Attempt   Attempt
	Enrolment Enrolment
	Version   CourseVersion
	Result    *training.Result // once submitted
}

// Attempt returns learner userID's attempt id; NotFound for anyone else's.
func (s *DB) Attempt(ctx context.Context, orgID store.OrgID, userID, id string) (AttemptView, error) {
	a, err := scanAttempt(s.SQL().QueryRowContext(ctx, `SELECT `+attemptCols+` FROM training_attempts WHERE org_id = $1 AND user_id = $2 AND id = $3`, orgID, userID, id))
	if err != nil {
		return AttemptView{}, s.One(err, "Quiz attempt", "get attempt")
	}
	e, err := s.Enrolment(ctx, orgID, userID, a.EnrolmentID)
	if err != nil {
		return AttemptView{}, err
	}
	v, err := s.Version(ctx, orgID, e.CourseID, e.CourseVersion)
	if err != nil {
		return AttemptView{}, err
	}
	av := AttemptView{Attempt: a, Enrolment: e, Version: v}
	if a.SubmittedAt != nil {
		r := training.Mark(v.Course, a.Draw, a.Answers)
		av.Result = &r
	}
	return av, nil
}

// Submitted is what submitting an attempt did.
type Submitted struct {
	AttemptView
	// Again: the attempt had been submitted before, so nothing changed
	// (the same answers posted twice count once).
	Again bool
	// Completion is set when this submission passed and completed the course.
	Completion *Completion
}

// Submit marks learner userID's attempt with answers (question id ->
// chosen answer indexes). version is the attempt's version as the quiz
// page showed it. An attempt already submitted is not marked again: the
// result stands and Again is set. A pass completes the enrolment, with a
// completion that expires after the course's renewal period. Invalid
// (field "answers") when a drawn question is unanswered; NotFound for
// anyone else's attempt; Conflict for a stale version.
func (s *DB) Submit(ctx context.Context, orgID store.OrgID, userID, id string, version int, answers map[string][]int) (Submitted, error) {
	av, err := s.Attempt(ctx, orgID, userID, id)
	if err != nil {
		return Submitted{}, err
	}
	if av.Attempt.SubmittedAt != nil {
		return Submitted{AttemptView: av, Again: true}, nil
	}
	given := map[string][]int{}
	var missing []string
	for i, q := range av.Attempt.Draw {
		if len(answers[q]) == 0 {
			missing = append(missing, strconv.Itoa(i+1))
		}
		given[q] = answers[q]
	}
	if len(missing) > 0 {
		return Submitted{}, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{
			"answers": "Answer every question: question " + strings.Join(missing, ", ") + " " + map[bool]string{true: "has", false: "have"}[len(missing) == 1] + " no answer"}}
	}
	res := training.Mark(av.Version.Course, av.Attempt.Draw, given)
	var out Submitted
	again := false
	err = s.Tx(ctx, func(tx *store.Tx) error {
		now := s.Now()
		raw, _ := json.Marshal(given)
		r, err := tx.ExecContext(ctx, `UPDATE training_attempts SET answers = $1, score = $2, passed = $3, submitted_at = $4, version = version + 1
			WHERE org_id = $5 AND id = $6 AND submitted_at IS NULL AND version = $7`, string(raw), res.Score, res.Passed, now, orgID, id, version)
		if err != nil {
			return s.Wrap(err, "submit attempt")
		}
		if n, _ := r.RowsAffected(); n == 0 {
			var submitted *time.Time
			if err := tx.QueryRowContext(ctx, `SELECT submitted_at FROM training_attempts WHERE org_id = $1 AND id = $2`, orgID, id).Scan(&submitted); err != nil {
				return s.Wrap(err, "check attempt")
			}
			if submitted != nil {
				again = true
				return nil
			}
			return apperr.New(apperr.Conflict, "This quiz page is out of date: open the quiz again")
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "enrolment.submit", Entity: "enrolment", EntityID: av.Enrolment.ID,
			Summary: audit.Summarise("attempt", strconv.Itoa(av.Attempt.Number), "score", strconv.Itoa(res.Score)+"%", "passed", strconv.FormatBool(res.Passed))}); err != nil {
			return err
		}
		if !res.Passed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE training_enrolments SET completed_at = $1 WHERE org_id = $2 AND id = $3`, now, orgID, av.Enrolment.ID); err != nil {
			return s.Wrap(err, "complete enrolment")
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "enrolment.complete", Entity: "enrolment", EntityID: av.Enrolment.ID,
			Summary: audit.Summarise("course", av.Version.Course.Title)}); err != nil {
			return err
		}
		c := Completion{ID: store.NewID(), UserID: userID, CourseID: av.Enrolment.CourseID, CourseVersion: av.Enrolment.CourseVersion, Title: av.Version.Course.Title,
			Tags: av.Version.Course.Tags, Source: "course", CompletedAt: now, ExpiresAt: training.Expires(now, av.Version.Course.RenewalMonths)}
		if err := s.insertCompletion(ctx, tx, orgID, c, av.Enrolment.ID, ""); err != nil {
			return err
		}
		out.Completion = &c
		return nil
	})
	if err != nil {
		return Submitted{}, err
	}
	av, err = s.Attempt(ctx, orgID, userID, id)
	out.AttemptView, out.Again = av, again
	return out, err
}

// Completion is a completed course, or accepted evidence of training done
// elsewhere, for one learner.
type Completion struct {
	ID            string     `json:"id"`
	UserID        string     `json:"user_id"`
	UserName      string     `json:"user_name,omitempty"`
	CourseID      string     `json:"course_id,omitempty"`
	CourseVersion int        `json:"course_version,omitempty"`
	Title         string     `json:"title"`
	Tags          []string   `json:"tags"`
	Source        string     `json:"source"` // course or evidence
	CompletedAt   time.Time  `json:"completed_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
}

// Valid reports whether the completion has not expired at now.
func (c Completion) Valid(now time.Time) bool { return c.ExpiresAt == nil || c.ExpiresAt.After(now) }

func (s *DB) insertCompletion(ctx context.Context, tx *store.Tx, orgID store.OrgID, c Completion, enrolmentID, evidenceID string) error {
	var course, enr, ev any
	if c.CourseID != "" {
		course = c.CourseID
	}
	if enrolmentID != "" {
		enr = enrolmentID
	}
	if evidenceID != "" {
		ev = evidenceID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO training_completions (id, org_id, user_id, course_id, course_version, title, tags, source, enrolment_id, evidence_id, completed_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, c.ID, orgID, c.UserID, course, c.CourseVersion, c.Title, joinSet(c.Tags), c.Source, enr, ev, c.CompletedAt, c.ExpiresAt); err != nil {
		return s.Wrap(err, "record completion")
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "completion.create", Entity: "completion", EntityID: c.ID,
		Summary: audit.Summarise("title", c.Title, "source", c.Source)})
}

const completionCols = `c.id, c.user_id, u.name, COALESCE(c.course_id, ''), c.course_version, c.title, c.tags, c.source, c.completed_at, c.expires_at`

func scanCompletion(sc interface{ Scan(...any) error }) (Completion, error) {
	var c Completion
	var tags string
	err := sc.Scan(&c.ID, &c.UserID, &c.UserName, &c.CourseID, &c.CourseVersion, &c.Title, &tags, &c.Source, &c.CompletedAt, &c.ExpiresAt)
	c.Tags, c.CompletedAt, c.ExpiresAt = splitSet(tags), c.CompletedAt.UTC(), utc(c.ExpiresAt)
	return c, err
}

// completions lists the organisation's completions (of one learner when
// userID is set), newest first.
func (s *DB) completions(ctx context.Context, q store.Querier, orgID store.OrgID, userID string) ([]Completion, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+completionCols+` FROM training_completions c JOIN users u ON u.id = c.user_id
		WHERE c.org_id = $1 AND ($2 = '' OR c.user_id = $2) ORDER BY c.completed_at DESC, c.id DESC`, orgID, userID)
	if err != nil {
		return nil, s.Wrap(err, "list completions")
	}
	defer rows.Close()
	var out []Completion
	for rows.Next() {
		c, err := scanCompletion(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan completion")
		}
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "list completions")
}

// Completions lists a learner's completions, newest first.
func (s *DB) Completions(ctx context.Context, orgID store.OrgID, userID string) ([]Completion, error) {
	return s.completions(ctx, s.SQL(), orgID, userID)
}

// Completion returns learner userID's completion id; NotFound for anyone else's.
func (s *DB) Completion(ctx context.Context, orgID store.OrgID, userID, id string) (Completion, error) {
	c, err := scanCompletion(s.SQL().QueryRowContext(ctx, `SELECT `+completionCols+` FROM training_completions c JOIN users u ON u.id = c.user_id
		WHERE c.org_id = $1 AND c.user_id = $2 AND c.id = $3`, orgID, userID, id))
	return c, s.One(err, "Completion", "get completion")
}

// certBytes is a verification code's randomness: 100 bits, in 20 base-32
// characters.
const certBytes = 13

var certAlphabet = base32.StdEncoding.WithPadding(base32.NoPadding)

// HashCertificateCode is the stored form of a code as typed: case, spaces
// and dashes do not matter.
func HashCertificateCode(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte("clinsafe certificate code\x00" + norm))
	return hex.EncodeToString(sum[:])
}

// IssueCertificate makes a fresh verification code for learner userID's
// course completion id, stores its hash and returns it (shown on the
// certificate, never stored). Every code issued stays valid. NotFound for
// anyone else's completion; Invalid for evidence of training elsewhere,
// which has its own certificate.
func (s *DB) IssueCertificate(ctx context.Context, orgID store.OrgID, userID, id string) (Completion, string, error) {
	c, err := s.Completion(ctx, orgID, userID, id)
	if err != nil {
		return c, "", err
	}
	if c.Source != "course" {
		return c, "", apperr.New(apperr.Invalid, "Certificates are for courses completed here; keep the certificate of training done elsewhere")
	}
	b := make([]byte, certBytes)
	_, _ = rand.Read(b)
	raw := certAlphabet.EncodeToString(b)[:20]
	code := raw[0:5] + "-" + raw[5:10] + "-" + raw[10:15] + "-" + raw[15:20]
	err = s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_certificates (code_hash, completion_id, org_id, issued_at) VALUES ($1, $2, $3, $4)`,
			HashCertificateCode(code), c.ID, orgID, s.Now()); err != nil {
			return s.Wrap(err, "issue certificate")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "completion.certificate", Entity: "completion", EntityID: c.ID, Summary: "certificate issued"})
	})
	return c, code, err
}

// Verification is all the public verification page says of a certificate.
type Verification struct {
	Name        string     `json:"name"`
	Course      string     `json:"course"`
	CompletedAt time.Time  `json:"completed_at"`
	Valid       bool       `json:"valid"`
	ExpiresAt   *time.Time `json:"-"`
}

// ErrUnknownCode is the one answer to a code that names no certificate,
// whatever the reason.
var ErrUnknownCode = apperr.New(apperr.NotFound, "No certificate was found with that code. Check it and try again.")

// VerifyCertificate looks up a certificate by its code, in any
// organisation: ErrUnknownCode when none has it. Callers throttle guesses.
func (s *DB) VerifyCertificate(ctx context.Context, code string) (Verification, error) {
	if len(code) > 100 {
		return Verification{}, ErrUnknownCode
	}
	var v Verification
	err := s.SQL().QueryRowContext(ctx, `SELECT u.name, c.title, c.completed_at, c.expires_at FROM training_certificates k
		JOIN training_completions c ON c.id = k.completion_id JOIN users u ON u.id = c.user_id WHERE k.code_hash = $1`, HashCertificateCode(code)).
		Scan(&v.Name, &v.Course, &v.CompletedAt, &v.ExpiresAt)
	if store.NoRows(err) {
		return v, ErrUnknownCode
	}
	if err != nil {
		return v, s.Wrap(err, "verify certificate")
	}
	v.CompletedAt, v.ExpiresAt = v.CompletedAt.UTC(), utc(v.ExpiresAt)
	v.Valid = v.ExpiresAt == nil || v.ExpiresAt.After(s.Now())
	return v, nil
}
