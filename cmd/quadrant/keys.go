package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/wallet"
)

func newKeysCmd() *cobra.Command {
	var home, output string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage account keys stored in <home>/keys",
	}
	cmd.PersistentFlags().StringVar(&home, "home", clientHome(), "home whose keys/ directory holds the keys ($QUADRANT_HOME)")
	cmd.PersistentFlags().StringVarP(&output, "output", "o", "text", "output format: text or json")

	var keyType string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a new account key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := wallet.NewKeyring(home).Add(args[0], keyType)
			if err != nil {
				return err
			}
			return printKeys(cmd.OutOrStdout(), output, k.Info())
		},
	}
	add.Flags().StringVar(&keyType, "type", wallet.KeyTypeSecp256k1, "key type: secp256k1 or ed25519")

	list := &cobra.Command{
		Use:   "list",
		Short: "List account keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			infos, err := wallet.NewKeyring(home).List()
			if err != nil {
				return err
			}
			return printKeys(cmd.OutOrStdout(), output, infos...)
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show an account key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := wallet.NewKeyring(home).Load(args[0])
			if err != nil {
				return err
			}
			return printKeys(cmd.OutOrStdout(), output, k.Info())
		},
	}
	cmd.AddCommand(add, list, show)
	return cmd
}

func printKeys(w io.Writer, output string, infos ...wallet.KeyInfo) error {
	if output == "json" {
		enc := json.NewEncoder(w)
		if len(infos) == 1 {
			return enc.Encode(infos[0])
		}
		if infos == nil {
			infos = []wallet.KeyInfo{}
		}
		return enc.Encode(infos)
	}
	for _, k := range infos {
		fmt.Fprintf(w, "%-16s %-10s %s\n", k.Name, k.Type, k.Address)
	}
	return nil
}
