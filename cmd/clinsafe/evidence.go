package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
)

func cmdEvidence(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "evidence", args, map[string]func(context.Context, *env, []string) error{
		"rebuild": evidenceRebuild,
	}, []string{"rebuild"})
}

// evidenceRebuild recounts every organisation's safety events from
// scratch: the counts the dashboards read are kept in each event change's
// transaction, and this gives the same numbers (after a restore, say).
func evidenceRebuild(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "evidence rebuild", "[flags]", "Recount the safety events the evidence dashboards read, from scratch, in one transaction. The counts are kept up to date with every change; a rebuild gives the same numbers.")
	f := config.Register(fs, "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := evidencedb.New(st).Rebuild(cliCtx(ctx, e))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "counted %d events in %d rows of counts\n", res.Events, res.Rows)
	return nil
}

func cmdEvents(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "events", args, map[string]func(context.Context, *env, []string) error{
		"reindex": eventsReindex,
	}, []string{"reindex"})
}

// eventsReindex writes the search documents that safety events imported
// by an earlier version lack, so that the queue's text search finds them.
func eventsReindex(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "events reindex", "[flags]", "Write the text-search document of every submitted safety event that has none (events imported by an earlier clinsafe, whose import did not write them). Safe to run at any time; it writes nothing when every event has one.")
	f := config.Register(fs, "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := eventsdb.New(st).IndexMissing(cliCtx(ctx, e))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote the search documents of %d events that had none\n", n)
	return nil
}

func cmdNetwork(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "network", args, map[string]func(context.Context, *env, []string) error{
		"add": networkAdd, "member": networkMember, "analyst": networkAnalyst, "list": networkList,
	}, []string{"add", "member", "analyst", "list"})
}

func networkAdd(ctx context.Context, e *env, args []string) error {
	kinds := make([]string, len(store.NetworkKinds))
	for i, k := range store.NetworkKinds {
		kinds[i] = k.Code
	}
	fs := newFlags(e, "network add", "-name NAME [-kind KIND] [flags]", "Add a network of organisations (an integrated care system, a region).")
	f := config.Register(fs, "db")
	name := fs.String("name", "", "name (required)")
	kind := fs.String("kind", "ics", "kind: "+strings.Join(kinds, ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.CreateNetwork(cliCtx(ctx, e), store.Network{Name: *name, Kind: *kind})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added network %s (%s)\n", n.Name, n.ID)
	return nil
}

// findNetwork finds a network by id or name.
func findNetwork(ctx context.Context, st *store.DB, which string) (store.Network, error) {
	if which == "" {
		return store.Network{}, errors.New("-network is required (a name or id, see 'clinsafe network list')")
	}
	ns, err := st.ListNetworks(ctx)
	if err != nil {
		return store.Network{}, err
	}
	for _, n := range ns {
		if n.ID == which || strings.EqualFold(n.Name, which) {
			return n, nil
		}
	}
	return store.Network{}, fmt.Errorf("no network %q", which)
}

func networkMember(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "network member", "-network NAME -org ODS [-remove] [flags]", "Add an organisation to a network, or remove it.")
	f := config.Register(fs, "db")
	which := fs.String("network", "", "network name or id (required)")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	remove := fs.Bool("remove", false, "remove the organisation from the network")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, o, err := openOrg(ctx, e, f, *ods)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := findNetwork(ctx, st, *which)
	if err != nil {
		return err
	}
	if err := st.SetNetworkMember(cliCtx(ctx, e), o.ID, n.ID, !*remove); err != nil {
		return err
	}
	verb := "added to"
	if *remove {
		verb = "removed from"
	}
	fmt.Fprintf(e.stdout, "%s %s %s\n", o.ODSCode, verb, n.Name)
	return nil
}

func networkAnalyst(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "network analyst", "-network NAME -email EMAIL [-remove] [flags]", "Make a user an analyst of a network (they read every member's measures side by side, never records), or no longer one.")
	f := config.Register(fs, "db")
	which := fs.String("network", "", "network name or id (required)")
	email := fs.String("email", "", "the user's email address (required)")
	remove := fs.Bool("remove", false, "remove the user as an analyst")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("-email is required")
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := findNetwork(ctx, st, *which)
	if err != nil {
		return err
	}
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if err := st.SetNetworkAnalyst(cliCtx(ctx, e), n.ID, u.ID, !*remove); err != nil {
		return err
	}
	verb := "is now an analyst of"
	if *remove {
		verb = "is no longer an analyst of"
	}
	fmt.Fprintf(e.stdout, "%s %s %s\n", u.Email, verb, n.Name)
	return nil
}

func networkList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "network list", "[flags]", "List networks with their members and analysts.")
	f := config.Register(fs, "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ns, err := st.ListNetworks(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, n := range ns {
		ms, err := st.NetworkMembers(ctx, n.ID)
		if err != nil {
			return err
		}
		as, err := st.NetworkAnalysts(ctx, n.ID)
		if err != nil {
			return err
		}
		var codes, emails []string
		for _, m := range ms {
			codes = append(codes, m.ODSCode)
		}
		for _, a := range as {
			emails = append(emails, a.Email)
		}
		rows = append(rows, []string{n.Name, n.Kind, strings.Join(codes, ","), strings.Join(emails, ",")})
	}
	table(e, "NAME\tKIND\tMEMBERS\tANALYSTS", rows)
	return nil
}
