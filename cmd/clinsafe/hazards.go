package main

import (
	"context"
	"errors"
)

func cmdHazards(_ context.Context, e *env, args []string) error {
	return errors.New("hazards: not built yet")
}
