package devicesdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// ctx acts as the instance operator, as the command line does.
var ctx = storetest.Operator
