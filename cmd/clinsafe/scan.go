package main

import (
	"context"
	"errors"
	"strings"
	"time"
)

func cmdScan(_ context.Context, e *env, args []string) error {
	err := runScan(args, e.stdin, e.stdout, e.stderr, time.Now())
	if err == nil {
		return nil
	}
	// main already names the command.
	return errors.New(strings.TrimPrefix(err.Error(), "scan: "))
}
