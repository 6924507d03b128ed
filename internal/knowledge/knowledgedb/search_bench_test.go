package knowledgedb_test

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

var (
	benchDocs    = flag.Int("knowledge.docs", 100_000, "documents in BenchmarkKnowledgeSearch")
	benchExplain = flag.Bool("knowledge.explain", false, "log each benchmark query's plan as run (EXPLAIN ANALYZE)")
)

// BenchmarkKnowledgeSearch searches a library of -knowledge.docs published
// documents (written straight into the tables, as publication would) and
// reports the 95th percentile of a search's time (aim: under 100 ms).
func BenchmarkKnowledgeSearch(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			st, _ := storetest.Open(b, engine)
			org := storetest.Org(b, st, "RBN")
			words := []string{"insulin", "prescribing", "allergy", "results", "downtime", "migration", "alert", "wristband", "imaging", "monitoring", "discharge", "referral"}
			now := time.Now().UTC()
			const batch = 500
			for i := 0; i < *benchDocs; i += batch {
				if err := st.Tx(b.Context(), func(tx *store.Tx) error {
					for j := i; j < min(i+batch, *benchDocs); j++ {
						id := store.NewID()
						w1, w2 := words[j%len(words)], words[(j/len(words))%len(words)]
						title := fmt.Sprintf("Guidance %d on %s and %s", j, w1, w2)
						body := fmt.Sprintf("How to keep patients safe from %s problems when %s goes wrong. Check twice, record the check, and report any incident %d.", w1, w2, j)
						if _, err := tx.ExecContext(b.Context(), `INSERT INTO knowledge_documents (id, org_id, ref, kind, sharing, tags, published, latest, version, created_at, updated_at)
							VALUES ($1, $2, $3, 'guidance', 'private', '|medication|', 1, 1, 1, $4, $4)`, id, org.ID, fmt.Sprintf("KD-%06d", j), now); err != nil {
							return err
						}
						if _, err := tx.ExecContext(b.Context(), `INSERT INTO knowledge_versions (document_id, org_id, number, title, body, created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5, $5)`,
							id, org.ID, title, body, now); err != nil {
							return err
						}
						if _, err := tx.ExecContext(b.Context(), `INSERT INTO knowledge_search (document_id, org_id, kind, sharing, tags, title, body) VALUES ($1, $2, 'guidance', 'private', '|medication|', $3, $4)`,
							id, org.ID, title, body); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if engine == "postgres" {
				if _, err := st.SQL().Exec(`ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			kb := knowledgedb.New(st)
			queries := []knowledgedb.Filter{{}, {Q: "insulin"}, {Q: "insulin wristband"}, {Q: "allergy", Kind: "guidance"}, {Q: "monitoring", Tag: "medication"}, {Q: "incident 4242"}}
			if *benchExplain {
				for _, f := range queries {
					_ = f.Check()
					q, args := kb.SearchSQL(org.ID, f)
					explain := "EXPLAIN QUERY PLAN "
					if engine == "postgres" {
						explain = "EXPLAIN (ANALYZE, BUFFERS) "
					}
					rows, err := st.SQL().Query(explain+q, args...)
					if err != nil {
						b.Fatal(err)
					}
					plan := ""
					cols, _ := rows.Columns()
					for rows.Next() {
						vals := make([]any, len(cols))
						ptrs := make([]any, len(cols))
						for i := range vals {
							ptrs[i] = &vals[i]
						}
						if err := rows.Scan(ptrs...); err != nil {
							b.Fatal(err)
						}
						plan += fmt.Sprintln(vals...)
					}
					rows.Close()
					// On stderr: a benchmark's log keeps only its first lines.
					fmt.Fprintf(os.Stderr, "%s %+v:\n%s\n", engine, f, plan)
				}
			}
			var took []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				f := queries[i%len(queries)]
				_ = f.Check()
				start := time.Now()
				p, err := kb.Search(b.Context(), org.ID, f)
				took = append(took, time.Since(start))
				if err != nil || len(p.Results) == 0 {
					b.Fatalf("search %+v: %d results, %v", f, len(p.Results), err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
