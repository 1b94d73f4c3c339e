//go:build !unix

package main

// lockDevnet takes no lock where flock is missing.
func lockDevnet(string) (func(), error) { return func() {}, nil }
