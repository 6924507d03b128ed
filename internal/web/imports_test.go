package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/xuri/excelize/v2"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// hazardCSV is a header and one data row of the eighteen template columns that
// imports cleanly; desc is its description.
func hazardCSV(desc string) string {
	head := strings.Join(exchange.Columns()[:18], ",")
	return head + "\n" + `1,Wrong patient,"` + desc + `",Impact,Cause,Existing,Major,Medium,3,Banner — implementation: R1,Design,Dev (manufacturer),Minor,Low,1,Build — due: 2026-05-01,Dev,Open` + "\n"
}

const catalogueCSV = "gtin,manufacturer,model,device_type\n09521234543213,Acme,H1,89\n"

// readCounter counts what the server read of a request body.
type readCounter struct {
	r io.Reader
	n int
}

func (b *readCounter) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += n
	return n, err
}

func (b *readCounter) Close() error { return nil }

func createSystem(t *testing.T, c *http.Client, f *webtest.Fixture) string {
	t.Helper()
	resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/api/v1/systems", `{"name":"ePMA","manufacturer":"Meridian","intended_use":"Prescribing","standard":"DCB0129"}`)
	var sys riskdb.System
	if err := json.Unmarshal([]byte(body), &sys); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create system: %d %s", resp.StatusCode, body)
	}
	return sys.ID
}

// TestImportsAtOnce: while maxImports imports run, every import endpoint
// (hazard log and catalogue, page and API) refuses another at once with 429
// and Retry-After, without reading its body; when they finish, imports run.
func TestImportsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		cso, dev := f.Client(t, "A/cso"), f.Client(t, "A/devices")
		sysID := createSystem(t, cso, f)
		_, csoTok, err := st.CreateToken(ctx, f.OrgA.ID, f.Users["A/cso"].ID, "imports", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, devTok, err := st.CreateToken(ctx, f.OrgA.ID, f.Users["A/devices"].ID, "imports", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(f.Srv.URL)
		cookie := func(c *http.Client) string {
			var parts []string
			for _, ck := range c.Jar.Cookies(u) {
				parts = append(parts, ck.Name+"="+ck.Value)
			}
			return strings.Join(parts, "; ")
		}
		hzPage, hzType := webtest.MultipartFile(t, "file", "log.csv", hazardCSV("Desc"))
		catPage, catType := webtest.MultipartFile(t, "file", "catalogue.csv", catalogueCSV)
		cases := []struct {
			name, path, ctype, authKey, authVal string
			body                                []byte
			wantOK                              int
		}{
			{"hazard page", "/risk/systems/" + sysID + "/import", hzType, "Cookie", cookie(cso), []byte(hzPage), http.StatusSeeOther},
			{"hazard API", "/api/v1/systems/" + sysID + "/import?format=csv", "text/csv", "Authorization", "Bearer " + csoTok, []byte(hazardCSV("Desc")), http.StatusCreated},
			{"catalogue page", "/devices/catalogue", catType, "Cookie", cookie(dev), []byte(catPage), http.StatusSeeOther},
			{"catalogue API", "/api/v1/devices/catalogue", "text/csv", "Authorization", "Bearer " + devTok, []byte(catalogueCSV), http.StatusOK},
		}
		post := func(path, ctype, key, val string, body []byte) (*httptest.ResponseRecorder, *readCounter) {
			rc := &readCounter{r: bytes.NewReader(body)}
			req := httptest.NewRequest("POST", path, rc)
			req.Header.Set("Content-Type", ctype)
			req.Header.Set(key, val)
			rec := httptest.NewRecorder()
			f.Web.ServeHTTP(rec, req)
			return rec, rc
		}
		release := f.Web.HoldImports()
		for _, tc := range cases {
			rec, rc := post(tc.path, tc.ctype, tc.authKey, tc.authVal, tc.body)
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "30" ||
				!strings.Contains(rec.Body.String(), "busy with other imports") {
				t.Errorf("%s with every slot taken: got %d, Retry-After %q, %.300s; want 429, Retry-After 30 and a message",
					tc.name, rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
			}
			if rc.n != 0 {
				t.Errorf("%s with every slot taken: the server read %d bytes of the body, want none", tc.name, rc.n)
			}
		}
		release()
		for _, tc := range cases {
			rec, rc := post(tc.path, tc.ctype, tc.authKey, tc.authVal, tc.body)
			if rec.Code != tc.wantOK || rc.n != len(tc.body) {
				t.Errorf("%s after the imports finished: got %d (read %d of %d bytes), %.300s; want %d",
					tc.name, rec.Code, rc.n, len(tc.body), rec.Body.String(), tc.wantOK)
			}
		}
	})
}

// zipBomb is a workbook of about 1 MB whose sheet unpacks to 200 MB.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, h := range exchange.Columns()[:18] {
		name, _ := excelize.CoordinatesToCellName(i+1, 1)
		x.SetCellStr("Sheet1", name, h)
	}
	var base bytes.Buffer
	if err := x.Write(&base); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		t.Fatal(err)
	}
	row := "<row>" + strings.Repeat(`<c t="inlineStr"><is><t>Wrong patient record</t></is></c>`, 18) + "</row>"
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name != "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			io.Copy(w, rc)
			rc.Close()
			continue
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		for range 200 << 20 / len(row) {
			io.WriteString(w, row)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestImportLimitsHTTP: over HTTP, a zip bomb is refused with 413, text
// that is not UTF-8 or holds a NUL is a 422 naming the row and column, and
// a catalogue with 300,000 columns or thousands of problems gets a short
// answer. Nothing is imported.
func TestImportLimitsHTTP(t *testing.T) {
	bomb := zipBomb(t)
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso, dev := f.Client(t, "A/cso"), f.Client(t, "A/devices")
		sysID := createSystem(t, cso, f)
		api := f.Srv.URL + "/api/v1"

		resp, body := webtest.Do(t, cso, "POST", api+"/systems/"+sysID+"/import?format=xlsx", string(bomb), "Content-Type", "application/octet-stream")
		if resp.StatusCode != 413 || !strings.Contains(body, `"too_large"`) || !strings.Contains(body, "unpacks to more than 64.0 MB") {
			t.Errorf("API zip bomb: got %d %.300s, want 413 naming the limit", resp.StatusCode, body)
		}
		resp, body = webtest.Upload(t, cso, f.Srv.URL+"/risk/systems/"+sysID+"/import", "bomb.xlsx", bomb)
		if resp.StatusCode != 413 || !strings.Contains(body, "unpacks to more than 64.0 MB") {
			t.Errorf("page zip bomb: got %d, want 413 naming the limit", resp.StatusCode)
		}

		for _, tc := range []struct{ name, desc, want string }{
			{"latin-1", "Caf\xe9", "not UTF-8 (byte 0xE9 at position 4"},
			{"NUL", "a\x00b", "NUL character"},
		} {
			resp, body = webtest.Do(t, cso, "POST", api+"/systems/"+sysID+"/import?format=csv", hazardCSV(tc.desc), "Content-Type", "text/csv")
			var e struct {
				Error struct{ Rows exchange.RowErrors } `json:"error"`
			}
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != 422 || len(e.Error.Rows) != 1 || e.Error.Rows[0].Row != 2 ||
				e.Error.Rows[0].Column != exchange.ColDescription || !strings.Contains(e.Error.Rows[0].Message, tc.want) {
				t.Errorf("hazard CSV %s: got %d %.300s, want 422 naming row 2, %s", tc.name, resp.StatusCode, body, exchange.ColDescription)
			}
		}
		if _, l, err := riskdb.New(st).CurrentLog(context.Background(), f.OrgA, sysID); err != nil || len(l.Hazards) != 0 {
			t.Errorf("after refused imports: got %d hazards (%v), want none", len(l.Hazards), err)
		}

		wide := "gtin,manufacturer,model,device_type" + strings.Repeat(",x", 300000) + "\n09521234543213,Acme,H1,89\n"
		resp, body = webtest.Upload(t, dev, f.Srv.URL+"/devices/catalogue", "catalogue.csv", []byte(wide))
		if resp.StatusCode != 422 || len(body) > 200<<10 || !strings.Contains(body, "The first row has 300004 columns") {
			t.Errorf("catalogue page, 300,000 columns: got %d, %d bytes; want 422 with one short problem", resp.StatusCode, len(body))
		}
		resp, body = webtest.Do(t, dev, "POST", api+"/devices/catalogue", wide, "Content-Type", "text/csv")
		if resp.StatusCode != 422 || len(body) > 10<<10 {
			t.Errorf("catalogue API, 300,000 columns: got %d, %d bytes; want a short 422", resp.StatusCode, len(body))
		}
		resp, body = webtest.Do(t, dev, "POST", api+"/devices/catalogue", "gtin,manufacturer,model,device_type\n"+strings.Repeat("1,,,\n", 1000), "Content-Type", "text/csv")
		var e struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || len(e.Error.Fields) > 201 || !strings.Contains(e.Error.Fields["file"], "3800 more problems are not listed") {
			t.Errorf("catalogue API, 4,000 problems: got %d with %d fields, file %q; want 422 listing at most 200 and counting the rest",
				resp.StatusCode, len(e.Error.Fields), e.Error.Fields["file"])
		}
		for _, tc := range []struct{ name, in, field string }{
			{"latin-1", "gtin,manufacturer,model,device_type\n09521234543213,Caf\xe9,H1,89\n", "row 2: manufacturer"},
			{"NUL", "gtin,manufacturer,model,device_type\n09521234543213,Acme,H\x001,89\n", "row 2: model"},
		} {
			resp, body = webtest.Do(t, dev, "POST", api+"/devices/catalogue", tc.in, "Content-Type", "text/csv")
			e.Error.Fields = nil
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != 422 || e.Error.Fields[tc.field] == "" {
				t.Errorf("catalogue API %s: got %d %.300s, want 422 with %q", tc.name, resp.StatusCode, body, tc.field)
			}
		}
		resp, body = webtest.Upload(t, dev, f.Srv.URL+"/devices/catalogue", "catalogue.csv", []byte("gtin,manufacturer,model,device_type\n09521234543213,Acme,H\x001,89\n"))
		if resp.StatusCode != 422 || !strings.Contains(body, "NUL character") {
			t.Errorf("catalogue page NUL: got %d, want 422 naming the NUL", resp.StatusCode)
		}
		if ps, err := devicesdb.New(st).ListProducts(context.Background(), f.OrgA.ID, "", 10); err != nil || len(ps) != 0 {
			t.Errorf("after refused catalogue imports: got %d products (%v), want none", len(ps), err)
		}
	})
}
