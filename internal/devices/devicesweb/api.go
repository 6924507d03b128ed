package devicesweb

import (
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"net/http"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
)

// deviceRowFields turns the row errors of an import into the API's per-field
// messages, keyed "row N" or "row N: column" ("file" for the line that
// counts the problems not listed).
func deviceRowFields(err error) error {
	var rows devices.RowErrors
	if !errors.As(err, &rows) {
		return err
	}
	f := map[string]string{}
	for _, r := range rows {
		k := fmt.Sprintf("row %d", r.Row)
		if r.Row == 0 {
			k = "file"
		}
		if r.Column != "" {
			k += ": " + r.Column
		}
		if old, ok := f[k]; ok {
			f[k] = old + "; " + r.Message
		} else {
			f[k] = r.Message
		}
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: apperr.MessageOf(err), Fields: f, Err: err}
}

func (s *Module) apiCatalogue(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.dev.ListProducts(r.Context(), devOrg(r), r.URL.Query().Get("q"), 5000)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(ps))
}

type apiCatalogueImport struct {
	Imported int `json:"imported"`
}

// apiImportCatalogue takes the catalogue as CSV (Content-Type text/csv, the
// columns of devices.CatalogueColumns) or JSON {"items": [...]}.
func (s *Module) apiImportCatalogue(w http.ResponseWriter, r *http.Request) error {
	var ps []devices.Product
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		var err error
		if ps, err = devices.ParseCatalogueCSV(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return mbe
			}
			return deviceRowFields(err)
		}
	} else {
		var in web.List[devices.Product]
		if err := web.DecodeJSON(r, &in); err != nil {
			return err
		}
		ps = in.Items
	}
	n, err := s.dev.ImportCatalogue(r.Context(), devOrg(r), ps)
	if err != nil {
		return deviceRowFields(err)
	}
	return web.WriteJSON(w, http.StatusOK, apiCatalogueImport{Imported: n})
}

func (s *Module) apiProduct(w http.ResponseWriter, r *http.Request) error {
	g, msg := devices.CheckGTIN(r.PathValue("gtin"))
	if msg != "" {
		return apperr.New(apperr.NotFound, "No product with that GTIN: %s", msg)
	}
	p, err := s.dev.Product(r.Context(), devOrg(r), g)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

func (s *Module) apiProcedures(w http.ResponseWriter, r *http.Request) error {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ps, err := s.dev.ListProcedures(r.Context(), devOrg(r), limit)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(ps))
}

type apiProcedureIn struct {
	Patient   devices.PatientInput   `json:"patient"`
	Procedure devices.ProcedureInput `json:"procedure"`
}

func (s *Module) apiCreateProcedure(w http.ResponseWriter, r *http.Request) error {
	var in apiProcedureIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.dev.CreateProcedure(r.Context(), devOrg(r), in.Patient, in.Procedure)
	if err != nil {
		return err
	}
	d, err := s.dev.Procedure(r.Context(), devOrg(r), p.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/devices/procedures/"+p.ID)
	return web.WriteJSON(w, http.StatusCreated, d)
}

func (s *Module) apiProcedure(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

type apiDeviceIn struct {
	Barcode string `json:"barcode"`
	// SecondaryBarcode is the second HIBC label of a device whose data is
	// on two labels: Barcode is then the primary label (product code), and
	// the two are combined, checked by the link character.
	SecondaryBarcode string `json:"secondary_barcode,omitempty"`
	// TextGS is the scanner setting devices.ScanOptions.TextGS.
	TextGS bool `json:"text_gs,omitempty"`
	// OverrideReason adds a device that would stop (expired, already
	// implanted, scanned twice, recalled), with the reason audited.
	OverrideReason string `json:"override_reason,omitempty"`
	devices.ManualInput
}

// apiStopped is the answer when a device stops before it is added: the
// API's error shape with each stop, for the caller to show and override.
type apiStopped struct {
	Error apiStoppedError `json:"error"`
}

type apiStoppedError struct {
	Kind      string            `json:"kind"`
	Message   string            `json:"message"`
	Stops     []devicesdb.Stop  `json:"stops"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

func (s *Module) apiAddImplant(w http.ResponseWriter, r *http.Request) error {
	var in apiDeviceIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	var d devices.Device
	var err error
	now := s.k.Store().Now()
	switch {
	case in.Barcode != "" || in.SecondaryBarcode != "":
		if in.GTIN != "" || in.Lot != "" || in.Serial != "" || in.Expiry != "" {
			return &apperr.Error{Kind: apperr.Invalid, Message: "Send a barcode or the device's details, not both", Fields: map[string]string{"barcode": "send either barcode or gtin, lot, serial and expiry"}}
		}
		switch {
		case in.Barcode == "":
			return &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read",
				Fields: map[string]string{"barcode": "send the HIBC label with the product code as barcode, with secondary_barcode"}}
		case in.SecondaryBarcode != "":
			d, err = devices.ParseHIBCPair(in.Barcode, in.SecondaryBarcode, now)
		default:
			if _, ok := devices.HIBCPrimary(in.Barcode, now); ok {
				return &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read",
					Fields: map[string]string{"barcode": "This HIBC label has only the product code: send its second label (lot, serial number or expiry) as secondary_barcode"}}
			}
			d, err = devices.ParseScanWith(in.Barcode, now, devices.ScanOptions{TextGS: in.TextGS})
		}
	default:
		d, err = in.Device()
	}
	if err != nil {
		return err
	}
	rec, stops, err := s.dev.RecordImplant(r.Context(), devOrg(r), r.PathValue("id"), d, in.OverrideReason)
	if err != nil {
		return err
	}
	if len(stops) > 0 {
		return web.WriteJSON(w, http.StatusConflict, apiStopped{Error: apiStoppedError{Kind: "conflict", Stops: stops,
			Message:   "The device was not added: check each problem, then send it again with override_reason to add it anyway",
			Fields:    map[string]string{"override_reason": "Give the reason for adding this device despite the problems listed"},
			RequestID: w.Header().Get("X-Request-Id")}})
	}
	w.Header().Set("Location", "/api/v1/devices/implants/"+rec.ID)
	return web.WriteJSON(w, http.StatusCreated, rec)
}

func (s *Module) apiImplant(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.dev.Implant(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rec)
}

func (s *Module) apiExplant(w http.ResponseWriter, r *http.Request) error {
	var in devices.ExplantInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	org, id := devOrg(r), r.PathValue("id")
	if err := s.dev.Explant(r.Context(), org, id, in); err != nil {
		return err
	}
	rec, err := s.dev.Implant(r.Context(), org, id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rec)
}

func (s *Module) apiDeviceHistory(w http.ResponseWriter, r *http.Request) error {
	g, msg := devices.CheckGTIN(r.PathValue("gtin"))
	if msg != "" {
		return apperr.New(apperr.NotFound, "No device with that GTIN: %s", msg)
	}
	h, err := s.dev.DeviceHistory(r.Context(), devOrg(r), g, r.URL.Query().Get("serial"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(h))
}

func (s *Module) apiRecalls(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.dev.ListRecalls(r.Context(), devOrg(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(rs))
}

func (s *Module) apiCreateRecall(w http.ResponseWriter, r *http.Request) error {
	var in devices.RecallInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	rc, err := s.dev.CreateRecall(r.Context(), devOrg(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/devices/recalls/"+rc.ID)
	return web.WriteJSON(w, http.StatusCreated, rc)
}

type apiRecallWithCounts struct {
	devices.Recall
	Counts devicesdb.RecallCounts `json:"counts"`
}

func (s *Module) apiRecall(w http.ResponseWriter, r *http.Request) error {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.dev.CountRecall(r.Context(), org, rc)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiRecallWithCounts{Recall: rc, Counts: c})
}

type apiRecallPatients struct {
	Items     []devicesdb.AffectedPatient `json:"items"`
	Possible  []devicesdb.AffectedPatient `json:"possible"`
	Explanted []devicesdb.AffectedPatient `json:"explanted"`
	Truncated bool                        `json:"truncated"`
}

type apiRecallPatientList struct {
	Items    []devicesdb.AffectedPatient `json:"items"`
	Total    int                         `json:"total"`
	Offset   int                         `json:"offset"`
	Limit    int                         `json:"limit"`
	ByStatus map[string]int              `json:"by_status"`
	ByBasis  map[string]int              `json:"by_basis"`
}

// apiLimit reads ?limit=: absent is 0 (the default); otherwise a whole
// number from 1 to most, or Invalid.
func apiLimit(r *http.Request, most int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get("limit"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with the query",
			Fields: map[string]string{"limit": fmt.Sprintf("Limit must be a whole number from 1 to %d", most)}}
	}
	return n, nil
}

// apiRecallPatients lists the recall's patients. With ?actions=1, or any
// of ?status= (repeated or comma-separated), ?basis= and ?offset=, it is a
// page (?limit=, at most 500, default 50) of the patients with recall
// work, in the list's stable order, with the counts by status and by
// basis. Otherwise it is the live match in its three lists (up to ?limit=
// each, at most 1000; truncated when there are more).
func (s *Module) apiRecallPatients(w http.ResponseWriter, r *http.Request) error {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := r.URL.Query()
	if v.Get("actions") == "1" || v.Has("status") || v.Has("basis") || v.Has("offset") {
		q, err := recallListQuery(v)
		if err != nil {
			return err
		}
		if q.Limit, err = apiLimit(r, 500); err != nil {
			return err
		}
		p, err := s.dev.RecallPatients(r.Context(), org, rc.ID, q)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, apiRecallPatientList{Items: p.Patients, Total: p.Total, Offset: p.Offset, Limit: p.Limit,
			ByStatus: p.ByStatus, ByBasis: p.ByBasis})
	}
	limit, err := apiLimit(r, 1000)
	if err != nil {
		return err
	}
	m, err := s.dev.MatchRecall(r.Context(), org, rc, limit)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiRecallPatients{Items: web.Items(m.Patients).Items, Possible: web.Items(m.Possible).Items,
		Explanted: web.Items(m.Explanted).Items, Truncated: m.Truncated})
}

type apiRecallActionsResult struct {
	Changed int `json:"changed"`
}

// apiRecallActions changes the status of several patients at once (see
// devices.RecallActionsInput): all or none.
func (s *Module) apiRecallActions(w http.ResponseWriter, r *http.Request) error {
	var in devices.RecallActionsInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.dev.SetRecallActions(r.Context(), devOrg(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiRecallActionsResult{Changed: n})
}

// apiCloseRecall closes the recall (see devices.CloseRecallInput) and
// returns it.
func (s *Module) apiCloseRecall(w http.ResponseWriter, r *http.Request) error {
	var in devices.CloseRecallInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	org, id := devOrg(r), r.PathValue("id")
	if err := s.dev.CloseRecall(r.Context(), org, id, in); err != nil {
		return err
	}
	rc, err := s.dev.Recall(r.Context(), org, id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rc)
}

func (s *Module) apiMatchRecall(w http.ResponseWriter, r *http.Request) error {
	st, err := s.dev.StartRecallWork(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, st)
}

type apiRecallActionIn struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (s *Module) apiRecallAction(w http.ResponseWriter, r *http.Request) error {
	var in apiRecallActionIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.dev.SetRecallAction(r.Context(), devOrg(r), r.PathValue("id"), r.PathValue("patient"), in.Status, in.Note); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
