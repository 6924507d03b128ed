package fhirweb

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// A create's writes are few rows, but each statement and commit costs far
// more than its rows: so the plain creates that arrive together (from many
// clients) are written together, up to createBatch in one transaction
// (see eventsdb.ReportMany), by up to createWriters writers at once.
//
// A writer that finds fewer than createBatch queued while the creates are
// busy (another writer is in its transaction, or other creates are on
// their way: their requests begun, their bodies being read and mapped)
// waits, up to createGather, for more to queue, rather than write a short
// batch and leave the rest to the next: under load that makes the batches
// several times larger, and their transactions and statements as many
// times fewer. A create when all is quiet is written at once.
//
// A create waiting for its batch holds no place among the requests the
// server serves at once (see do), up to createPlaceless of them: beyond
// that a create waits in its place, so that a flood of creates cannot
// hold more than so many mapped creates in memory.
var (
	createBatch     = 64
	createWriters   = 4
	createGather    = 2 * time.Millisecond
	createPlaceless = 8 * createBatch
)

// holdCreates, when set (by a test), is waited on by a writer before it
// takes a batch; queuedCreates counts the creates queued and not yet
// taken, and createTxs the transactions that wrote batched creates, of
// every Module. mapHook, when set (by a test), is called with the body of
// each create on its way, before it is mapped.
var (
	holdCreates   atomic.Pointer[chan struct{}]
	queuedCreates atomic.Int64
	createTxs     atomic.Int64
	mapHook       atomic.Pointer[func(body []byte)]
)

// createJob is one request's create, mapped, waiting to be written.
type createJob struct {
	ctx  context.Context
	p    *store.Principal
	ae   fhir.AdverseEvent
	rec  events.Record
	meta fhir.EventMeta
	done chan createDone
}

// createDone is a create's answer: the event made, or why not.
type createDone struct {
	in  fhir.EventInput
	err error
}

// creates writes the plain creates of many requests together: a
// request queues its create and waits for its answer, and a writer (a
// goroutine that lives while there are creates queued) takes what is
// queued, up to createBatch, and writes it in one transaction. Each
// request is answered only after that transaction commits, with its own
// event, exactly as alone; a create the flow refuses gets its own refusal
// and the others go on. If the transaction fails before its commit, each
// of its creates is written again alone, so that one bad create fails
// only itself.
type creates struct {
	s       *Module
	mu      sync.Mutex
	queue   []*createJob
	writers int
	// coming counts the creates on their way (see on), and busy the
	// writers in a transaction; arrival, when not nil, is closed as a
	// create is queued or turns away.
	coming  int
	busy    int
	arrival chan struct{}
	// placeless counts the creates waiting without a place (see do).
	placeless int
}

// on says that a create is on its way: its request has begun. The func
// returned says that it is queued or will not be (an error, or a create
// that takes the path of one); it may be called more than once.
func (c *creates) on() (arrived func()) {
	c.mu.Lock()
	c.coming++
	c.mu.Unlock()
	return sync.OnceFunc(func() {
		c.mu.Lock()
		c.arrived()
		c.mu.Unlock()
	})
}

// arrived counts off a create on its way, and wakes a writer waiting for
// it. c.mu is held.
func (c *creates) arrived() {
	c.coming--
	if c.arrival != nil {
		close(c.arrival)
		c.arrival = nil
	}
}

// gather waits, up to createGather, while fewer than createBatch creates
// are queued, some are, and the creates are busy (see createGather). c.mu
// is held, and is given up while it waits.
func (c *creates) gather() {
	var timeout <-chan time.Time
	for len(c.queue) > 0 && len(c.queue) < createBatch && (c.coming > 0 || c.busy > 0) {
		if timeout == nil {
			t := time.NewTimer(createGather)
			defer t.Stop()
			timeout = t.C
		}
		if c.arrival == nil {
			c.arrival = make(chan struct{})
		}
		ch := c.arrival
		c.mu.Unlock()
		select {
		case <-ch:
			c.mu.Lock()
		case <-timeout:
			c.mu.Lock()
			return
		}
	}
}

// do writes job and returns the event made. It waits for the answer even
// when job's context ends: a create already in a transaction is answered
// when that ends, one still queued at once. While it waits the request
// holds no place among those the server serves at once (web.LeavePlace),
// while fewer than createPlaceless others wait so: so the creates of more
// clients than there are places can queue, and be written, together.
func (c *creates) do(job *createJob, arrived func()) (fhir.EventInput, error) {
	job.done = make(chan createDone, 1)
	c.mu.Lock()
	c.queue = append(c.queue, job)
	queuedCreates.Add(1)
	if c.writers < createWriters {
		c.writers++
		go c.write()
	}
	leave := c.placeless < createPlaceless
	if leave {
		c.placeless++
	}
	c.mu.Unlock()
	arrived()
	if leave {
		web.LeavePlace(job.ctx)
		defer func() {
			c.mu.Lock()
			c.placeless--
			c.mu.Unlock()
		}()
	}
	d := <-job.done
	return d.in, d.err
}

// write writes batches while creates are queued.
func (c *creates) write() {
	for {
		if h := holdCreates.Load(); h != nil {
			<-*h
		}
		c.mu.Lock()
		c.gather()
		if len(c.queue) == 0 {
			c.writers--
			c.mu.Unlock()
			return
		}
		n := min(len(c.queue), createBatch)
		batch := make([]*createJob, n)
		copy(batch, c.queue)
		c.queue = append(c.queue[:0], c.queue[n:]...)
		queuedCreates.Add(-int64(n))
		c.busy++
		c.mu.Unlock()
		// One transaction per organisation (one in nearly every batch).
		var orgs []store.OrgID
		byOrg := map[store.OrgID][]*createJob{}
		for _, j := range batch {
			if _, ok := byOrg[j.p.Org.ID]; !ok {
				orgs = append(orgs, j.p.Org.ID)
			}
			byOrg[j.p.Org.ID] = append(byOrg[j.p.Org.ID], j)
		}
		for _, org := range orgs {
			c.writeOrg(byOrg[org])
		}
		c.mu.Lock()
		c.busy--
		c.mu.Unlock()
	}
}

// writeOrg writes jobs, all of one organisation, in one transaction.
func (c *creates) writeOrg(jobs []*createJob) {
	s := c.s
	var live []*createJob
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.done <- createDone{err: err} // the client has gone: nothing written
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	org := live[0].p.Org
	// The transaction is every request's, so no one request's end cuts
	// it short; the organisation's ODS code comes with the principal.
	ctx := fhirdb.WithOrganisation(context.WithoutCancel(live[0].ctx), org.ID, org.ODSCode)
	check, err := s.db.Events.Checker(ctx, org.ID)
	if err != nil {
		for _, j := range live {
			j.done <- createDone{err: err}
		}
		return
	}
	var ok []*createJob
	var many []eventsdb.Many
	for _, j := range live {
		rec := j.rec
		if err := check(&rec, events.Staff); err != nil {
			j.done <- createDone{err: refused(err, j.meta)}
			continue
		}
		ok = append(ok, j)
		many = append(many, eventsdb.Many{Rec: rec, Actor: audit.ActorFrom(j.ctx),
			Sub: eventsdb.Submission{Audience: events.Staff, ReporterID: j.p.User.ID, Confidential: j.meta.Confidential}})
	}
	if len(ok) == 0 {
		return
	}
	var es []eventsdb.Event
	createTxs.Add(1)
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		es, err = s.db.Events.ReportMany(ctx, tx, org.ID, many)
		return err
	})
	switch {
	case err == nil:
		for i, j := range ok {
			j.done <- createDone{in: fhirdb.Made(es[i], org.ODSCode)}
		}
	case !errors.Is(err, store.ErrCommit) && len(ok) > 1:
		// Failed before its commit (in a create, or in what the
		// transaction writes last, its counts and audit chain): nothing
		// of it is stored, so each is written alone and gets its own
		// answer.
		for _, j := range ok {
			in, err := s.createAlone(j)
			j.done <- createDone{in: in, err: err}
		}
	default:
		// One create, or the commit itself failed (and may have stored
		// the events): each is told, and nothing is written twice.
		for _, j := range ok {
			j.done <- createDone{err: err}
		}
	}
}

// createAlone writes j in a transaction of its own, as a create that is
// not batched.
func (s *Module) createAlone(j *createJob) (fhir.EventInput, error) {
	var res result
	err := s.db.Tx(j.ctx, func(tx *store.Tx) error {
		var err error
		res, err = s.create(j.ctx, tx, j.p, j.ae, "", "")
		return err
	})
	if err != nil {
		return fhir.EventInput{}, err
	}
	return *res.made, nil
}
