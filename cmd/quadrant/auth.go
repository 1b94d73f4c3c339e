package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/rpc"
)

// authToken signs a token of the given permission level that never expires.
func authToken(secret []byte, level string) (string, error) {
	perms, err := rpc.PermsForLevel(level)
	if err != nil {
		return "", err
	}
	return rpc.NewToken(secret, perms, time.Time{})
}

func newAuthCmd() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "auth read|write|admin",
		Short: "Print a JSON-RPC token for a node's API (a bridge's rollup adapter or a light node), signed with <home>/jwt_secret",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			secret, err := rpc.LoadOrCreateSecret(filepath.Join(home, rpc.SecretFile))
			if err != nil {
				return err
			}
			tok, err := authToken(secret, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&home, "home", defaultHome("full"), "home of the bridge full node or light node (holds jwt_secret)")
	return cmd
}
