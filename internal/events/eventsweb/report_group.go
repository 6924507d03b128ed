package eventsweb

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// The repeating groups of the flow (patients, devices, medicines): the
// NHS.UK "add another" pattern, a page per item and a summary of items.

func groupNoun(id string) string {
	switch id {
	case events.GroupPatients:
		return "Patients"
	case events.GroupDevices:
		return "Devices"
	case events.GroupMedicines:
		return "Medicines"
	}
	return "Items"
}

// groupPage is a repeating group's page: its items with Change and
// Remove, Add another and Continue. With no items yet it asks the first.
func (s *Module) groupPage(w http.ResponseWriter, r *http.Request, fl flowPart, flow events.Flow, cc events.Context, d eventsdb.Event, page events.Page) error {
	g := page.Group
	items := d.Record.Groups[g.ID]
	if r.Method == http.MethodGet && len(items) == 0 {
		return s.renderQuestions(w, r, fl, flow, cc, d, page, events.Answers{}, 0, nil, nil, http.StatusOK)
	}
	var errs map[string]string
	if r.Method == http.MethodPost {
		if err := web.ParseForm(r); err != nil {
			return err
		}
		version, err := formVersion(r)
		if err != nil {
			return err
		}
		_, err = fl.save(r.Context(), version, d.Record, page.ID)
		if err == nil {
			_, next := neighbours(flow, d.Record, fl.audience, page.ID)
			return s.k.Redirect(w, r, fl.base+"/"+next, "")
		}
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		errs = apperr.FieldsOf(err)
	}
	return s.renderGroup(w, r, fl, flow, cc, d, page, errs)
}

func (s *Module) renderGroup(w http.ResponseWriter, r *http.Request, fl flowPart, flow events.Flow, cc events.Context, d eventsdb.Event, page events.Page, errs map[string]string) error {
	g := page.Group
	data := ReportGroupPage{Base: s.k.Base(w, r, g.PromptOf(d.Record.Type)), Heading: g.PromptOf(d.Record.Type), Action: fl.base + "/" + page.ID,
		Version: d.Version, Public: fl.audience == events.Public, AddHref: fmt.Sprintf("%s/%s/new", fl.base, page.ID)}
	prev, _ := neighbours(flow, d.Record, fl.audience, page.ID)
	data.Back = fl.exit
	if prev != "" {
		data.Back = fl.base + "/" + prev
	}
	noun := strings.TrimSuffix(groupNoun(g.ID), "s")
	for i, it := range d.Record.Groups[g.ID] {
		gi := ReportGroupItem{Title: fmt.Sprintf("%s %d", noun, i+1), ChangeHref: fmt.Sprintf("%s/%s/%d", fl.base, page.ID, i),
			RemoveAction: fmt.Sprintf("%s/%s/%d/remove", fl.base, page.ID, i)}
		for _, q := range page.Questions {
			if len(it[q.ID]) > 0 {
				gi.Rows = append(gi.Rows, events.SummaryRow{Prompt: q.PromptOf(d.Record.Type), Answer: flow.Words(q, it[q.ID], cc)})
			}
		}
		data.Items = append(data.Items, gi)
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		byID := map[string]string{}
		for k, m := range errs {
			if k == g.ID {
				byID["add-another"] = m
			} else {
				byID["add-another"] = "Check " + strings.ToLower(noun) + " " + itemOf(k, g.ID) + ": " + m
			}
		}
		data.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: byID})
	}
	return s.k.Render(w, status, "events/report_group", data)
}

// itemOf is the item number (from 1) of a field "group.N.question".
func itemOf(field, group string) string {
	rest, _ := strings.CutPrefix(field, group+".")
	n, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(n)
	if err != nil {
		return ""
	}
	return strconv.Itoa(i + 1)
}

// itemIndex reads the {item} of a group's item page: an index of an item,
// or "new" for one more.
func itemIndex(raw string, items int) (int, error) {
	if raw == "new" {
		if items >= events.MaxGroup {
			return 0, apperr.New(apperr.Invalid, "You can add %d at most", events.MaxGroup)
		}
		return items, nil
	}
	i, err := strconv.Atoi(raw)
	if err != nil || i < 0 || i > items || i >= events.MaxGroup || strconv.Itoa(i) != raw {
		return 0, apperr.New(apperr.NotFound, "That item is not in this report")
	}
	return i, nil
}

// flowItem draws (GET) or saves (POST) one item of a repeating group.
func (s *Module) flowItem(w http.ResponseWriter, r *http.Request, fl flowPart, pageID, rawItem string) error {
	ctx := r.Context()
	d, err := fl.load(ctx)
	if err != nil {
		return err
	}
	flow, cc, err := s.flowOf(ctx, fl.orgID)
	if err != nil {
		return err
	}
	page, _, ok := flow.FindPage(d.Record, fl.audience, pageID)
	if !ok || page.Group == nil {
		return apperr.New(apperr.NotFound, "This report does not ask that question. Go back to the previous page.")
	}
	items := d.Record.Groups[page.Group.ID]
	i, err := itemIndex(rawItem, len(items))
	if err != nil {
		return err
	}
	ans := events.Answers{}
	if i < len(items) {
		ans = items[i]
	}
	if r.Method == http.MethodGet {
		return s.renderQuestions(w, r, fl, flow, cc, d, page, ans, i, nil, nil, http.StatusOK)
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	rec := cloneRecord(d.Record)
	item := events.Answers{}
	typed, dateErrs := readAnswers(r.PostForm, page.Questions, item, nil)
	list := rec.Groups[page.Group.ID]
	if i < len(list) {
		list[i] = item
	} else {
		list = append(list, item)
	}
	rec.Groups[page.Group.ID] = list
	var saveErr error
	if len(dateErrs) == 0 {
		_, saveErr = fl.save(ctx, version, rec, page.ID)
	}
	if len(dateErrs) > 0 || apperr.Is(saveErr, apperr.Invalid) {
		errs := dateErrs
		if errs == nil {
			errs = map[string]string{}
			prefix := fmt.Sprintf("%s.%d.", page.Group.ID, i)
			for k, m := range apperr.FieldsOf(saveErr) {
				if q, ok := strings.CutPrefix(k, prefix); ok {
					errs[q] = m
				} else {
					errs["-"+k] = m
				}
			}
		}
		return s.renderQuestions(w, r, fl, flow, cc, d, page, item, i, errs, typed, http.StatusUnprocessableEntity)
	}
	if saveErr != nil {
		return saveErr
	}
	if returnTo(r) == "check" {
		return s.k.Redirect(w, r, fl.base+"/check", "")
	}
	return s.k.Redirect(w, r, fl.base+"/"+page.ID, "")
}

// flowRemove removes one item of a repeating group.
func (s *Module) flowRemove(w http.ResponseWriter, r *http.Request, fl flowPart, pageID, rawItem string) error {
	ctx := r.Context()
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	d, err := fl.load(ctx)
	if err != nil {
		return err
	}
	flow, _, err := s.flowOf(ctx, fl.orgID)
	if err != nil {
		return err
	}
	page, _, ok := flow.FindPage(d.Record, fl.audience, pageID)
	if !ok || page.Group == nil {
		return apperr.New(apperr.NotFound, "This report does not ask that question")
	}
	items := d.Record.Groups[page.Group.ID]
	i, err := itemIndex(rawItem, len(items))
	if err != nil || i >= len(items) {
		return apperr.New(apperr.NotFound, "That item is not in this report")
	}
	rec := cloneRecord(d.Record)
	rec.Groups[page.Group.ID] = slices.Delete(rec.Groups[page.Group.ID], i, i+1)
	// Nothing else changes, so no page's answers are checked.
	if _, err := fl.save(ctx, version, rec, "remove-item"); err != nil {
		return err
	}
	return s.k.Redirect(w, r, fl.base+"/"+page.ID, "Removed")
}
