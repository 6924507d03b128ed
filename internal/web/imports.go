package web

import (
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Imports (hazard logs and the device catalogue, in HTML and the API) are
// the server's most expensive requests: each may use up to about 100 MB and
// some seconds of CPU. At most maxImports run at once across the server; a
// further one is refused at once, before its body is read, with 429 and a
// Retry-After, so a burst of uploads cannot exhaust the server's memory.
const (
	maxImports        = 2
	importRetrySecond = 30
)

// importSlots is a counting semaphore for imports.
type importSlots struct{ ch chan struct{} }

func newImportSlots(n int) *importSlots { return &importSlots{ch: make(chan struct{}, n)} }

// tryAcquire takes a slot without waiting; ok is false when every slot is
// taken. release gives the slot back.
func (s *importSlots) tryAcquire() (release func(), ok bool) {
	select {
	case s.ch <- struct{}{}:
		return func() { <-s.ch }, true
	default:
		return nil, false
	}
}

var importsBusy = &apperr.Error{Kind: apperr.TooMany, RetryAfter: importRetrySecond * time.Second,
	Message: fmt.Sprintf("The server is busy with other imports (at most %d run at once). Nothing was imported: try again in a minute.", maxImports)}

// ImportSlot takes a slot for an import route or refuses the request,
// unread, with 429 and Retry-After.
func (s *Server) ImportSlot() (release func(), err error) {
	release, ok := s.imports.tryAcquire()
	if !ok {
		return nil, importsBusy
	}
	return release, nil
}
