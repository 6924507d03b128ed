package knowledgeweb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
