package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
)

// subcommand dispatches "clinsafe NAME SUB ..." to one of subs.
func subcommand(ctx context.Context, e *env, name string, args []string, subs map[string]func(context.Context, *env, []string) error, order []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintf(e.stderr, "Usage: clinsafe %s %s [flags]\n\nRun 'clinsafe %s SUBCOMMAND -h' for its flags.\n", name, strings.Join(order, "|"), name)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	fn, ok := subs[args[0]]
	if !ok {
		return fmt.Errorf("unknown subcommand %q; use one of %s", args[0], strings.Join(order, ", "))
	}
	return fn(ctx, e, args[1:])
}

// passwordArg resolves a -password flag: "-" reads the first line of
// standard input, empty generates a random password (generated is true and
// the caller prints it once).
func passwordArg(e *env, v string) (pw string, generated bool, err error) {
	switch v {
	case "":
		return auth.NewSecret(12), true, nil
	case "-":
		sc := bufio.NewScanner(e.stdin)
		if !sc.Scan() {
			return "", false, errors.New("no password on standard input")
		}
		return strings.TrimRight(sc.Text(), "\r"), false, nil
	}
	return v, false, nil
}

func cmdUser(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "user", args, map[string]func(context.Context, *env, []string) error{
		"add": userAdd, "passwd": userPasswd, "list": userList, "disable": userDisable,
	}, []string{"add", "passwd", "list", "disable"})
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add", "-email EMAIL -name NAME -org ODS -roles ROLES [flags]", "Add a user with roles in an organisation. Prints a generated password once unless -password is given.")
	f := config.Register(fs, "db")
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	org := fs.String("org", "", "ODS code of the organisation (required)")
	roles := fs.String("roles", "reporter", "comma-separated roles: "+auth.RoleNames())
	pw := fs.String("password", "", "password, or - to read it from standard input (default: generated and printed)")
	platform := fs.Bool("platform-admin", false, "make the user an instance administrator (may add organisations)")
	if err := parse(fs, args); err != nil {
		return err
	}
	rs, err := auth.ParseRoles(*roles)
	if err != nil {
		return err
	}
	password, generated, err := passwordArg(e, *pw)
	if err != nil {
		return err
	}
	st, o, err := openOrg(ctx, e, f, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(cliCtx(ctx, e), store.NewUser{Email: *email, Name: *name, Password: password, OrgID: o.ID, Roles: rs, PlatformAdmin: *platform})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s (%s) to %s as %s\n", u.Email, u.ID, o.ODSCode, strings.Join(roleStrings(rs), ","))
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n(shown once)\n", password)
	}
	return nil
}

func roleStrings(rs []auth.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user passwd", "-email EMAIL [flags]", "Set a user's password and sign them out everywhere. Prints a generated password once unless -password is given.")
	f := config.Register(fs, "db")
	email := fs.String("email", "", "email address (required)")
	pw := fs.String("password", "", "new password, or - to read it from standard input (default: generated and printed)")
	if err := parse(fs, args); err != nil {
		return err
	}
	password, generated, err := passwordArg(e, *pw)
	if err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if err := st.SetPassword(cliCtx(ctx, e), "", u.ID, password); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password set for %s\n", u.Email)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n(shown once)\n", password)
	}
	return nil
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user list", "[-org ODS] [flags]", "List users, or the members of one organisation with their roles there.")
	f := config.Register(fs, "db")
	org := fs.String("org", "", "ODS code: list this organisation's members with their roles")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var users []store.User
	if *org != "" {
		o, err := st.OrgByODS(ctx, *org)
		if err != nil {
			return err
		}
		if users, err = st.ListUsers(ctx, o.ID); err != nil {
			return err
		}
	} else if users, err = st.ListAllUsers(ctx); err != nil {
		return err
	}
	var rows [][]string
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		rows = append(rows, []string{u.Email, u.Name, strings.Join(roleStrings(u.Roles), ","), status})
	}
	table(e, "EMAIL\tNAME\tROLES\tSTATUS", rows)
	return nil
}

func userDisable(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user disable", "-email EMAIL [flags]", "Disable a user (or re-enable with -enable). Disabling signs them out and stops their API tokens.")
	f := config.Register(fs, "db")
	email := fs.String("email", "", "email address (required)")
	enable := fs.Bool("enable", false, "re-enable instead of disabling")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if err := st.SetDisabled(cliCtx(ctx, e), "", u.ID, !*enable); err != nil {
		return err
	}
	if *enable {
		fmt.Fprintf(e.stdout, "enabled %s\n", u.Email)
	} else {
		fmt.Fprintf(e.stdout, "disabled %s\n", u.Email)
	}
	return nil
}

func cmdOrg(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "org", args, map[string]func(context.Context, *env, []string) error{
		"add": orgAdd, "list": orgList,
	}, []string{"add", "list"})
}

func orgAdd(ctx context.Context, e *env, args []string) error {
	kinds := make([]string, len(store.OrgKinds))
	for i, k := range store.OrgKinds {
		kinds[i] = k.Code
	}
	fs := newFlags(e, "org add", "-ods CODE -name NAME [-kind KIND] [flags]", "Add an organisation.")
	f := config.Register(fs, "db")
	ods := fs.String("ods", "", "ODS code (required)")
	name := fs.String("name", "", "name (required)")
	kind := fs.String("kind", "trust", "kind: "+strings.Join(kinds, ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := st.CreateOrg(cliCtx(ctx, e), store.Org{ODSCode: *ods, Name: *name, Kind: *kind})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s %s (%s)\n", o.ODSCode, o.Name, o.ID)
	return nil
}

func orgList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "org list", "[flags]", "List organisations.")
	f := config.Register(fs, "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, o := range orgs {
		rows = append(rows, []string{o.ODSCode, o.Name, o.Kind})
	}
	table(e, "ODS\tNAME\tKIND", rows)
	return nil
}

func cmdToken(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "token", args, map[string]func(context.Context, *env, []string) error{
		"add": tokenAdd, "revoke": tokenRevoke,
	}, []string{"add", "revoke"})
}

func tokenAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token add", "-org ODS -email EMAIL -name NAME [flags]", "Create an API token acting as a member of an organisation. The token is printed once.")
	f := config.Register(fs, "db")
	org := fs.String("org", "", "ODS code (required)")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "what the token is for (required)")
	expires := fs.String("expires", "", "expiry date YYYY-MM-DD (default: never)")
	scopeList := fs.String("scopes", "", "FHIR API scopes, comma- or space-separated, such as AdverseEvent.read,AdverseEvent.write or *.read (default: none, so the token cannot use the FHIR API)")
	if err := parse(fs, args); err != nil {
		return err
	}
	scopes, err := store.ParseScopes(strings.ReplaceAll(*scopeList, ",", " "))
	if err != nil {
		return fmt.Errorf("-scopes: %s", apperr.FieldsOf(err)["scopes"])
	}
	var exp *time.Time
	if *expires != "" {
		t, err := time.Parse("2006-01-02", *expires)
		if err != nil {
			return fmt.Errorf("-expires %q is not a date like 2027-03-31", *expires)
		}
		exp = &t
	}
	st, o, err := openOrg(ctx, e, f, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	t, secret, err := st.CreateScopedToken(cliCtx(ctx, e), o.ID, u.ID, *name, nil, scopes, exp)
	if err != nil {
		return err
	}
	fhirScopes := "none (it cannot use the FHIR API)"
	if len(t.Scopes) > 0 {
		fhirScopes = strings.Join(t.Scopes, " ")
	}
	fmt.Fprintf(e.stdout, "token %s created (id %s), FHIR scopes: %s\n%s\n(shown once)\n", t.Name, t.ID, fhirScopes, secret)
	return nil
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token revoke", "-org ODS -id ID [flags]", "Revoke an API token.")
	f := config.Register(fs, "db")
	org := fs.String("org", "", "ODS code (required)")
	id := fs.String("id", "", "token id (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, o, err := openOrg(ctx, e, f, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeToken(cliCtx(ctx, e), o.ID, *id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %s revoked\n", *id)
	return nil
}
