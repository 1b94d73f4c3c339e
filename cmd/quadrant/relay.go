package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/relay"
)

func newRelayCmd() *cobra.Command {
	var (
		c                     clientFlags
		ethRPC, contract, key string
		poll                  time.Duration
		logLevel, logFormat   string
	)
	cmd := &cobra.Command{
		Use:   "relay --eth-rpc URL --contract ADDR --key FILE",
		Short: "Submit the validators' attestations to a Blobstream contract on Ethereum",
		Long: `relay follows the chain's attestations (data commitments and validator-set
checkpoints, signed by the validators through vote extensions) over --node's
RPC and submits each, in nonce order, to the QuadrantBlobstream contract at
--contract on the Ethereum RPC --eth-rpc, paying with the secp256k1 key in
--key (hex, as go-ethereum's SaveECDSA writes it). It reads the contract's
nonce before every submission, so it may be stopped and restarted at any
time and several relays may run; failures are retried with backoff. It runs
until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logLevel, logFormat)
			if err != nil {
				return err
			}
			if !common.IsHexAddress(contract) {
				return fmt.Errorf("--contract %q: want a 0x-prefixed 20-byte hex address", contract)
			}
			k, err := ethcrypto.LoadECDSA(key)
			if err != nil {
				return fmt.Errorf("--key %s: %w", key, err)
			}
			ctx := cmd.Context()
			ec, err := ethclient.DialContext(ctx, ethRPC)
			if err != nil {
				return fmt.Errorf("--eth-rpc %s: %w", ethRPC, err)
			}
			defer ec.Close()
			sink, err := relay.NewEthSink(ctx, ec, common.HexToAddress(contract), k)
			if err != nil {
				return err
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			r, err := relay.New(relay.Config{Poll: poll, Logger: log}, relay.NewNodeSource(cl), sink)
			if err != nil {
				return err
			}
			log.Info("relay: started", "node", c.nodeURL(), "eth_rpc", ethRPC, "contract", contract,
				"sender", ethcrypto.PubkeyToAddress(k.PublicKey))
			if err := r.Run(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&ethRPC, "eth-rpc", "", "Ethereum JSON-RPC URL (http, ws or ipc)")
	f.StringVar(&contract, "contract", "", "address of the QuadrantBlobstream contract")
	f.StringVar(&key, "key", "", "file with the sender's secp256k1 key in hex")
	f.DurationVar(&poll, "poll", 2*time.Second, "wait between looks for the next attestation")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text or json")
	for _, name := range []string{"eth-rpc", "contract", "key"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newAttestationsCmd() *cobra.Command {
	var (
		c      clientFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "attestations [nonce]",
		Short: "Show the validators' attestations and their signatures",
		Long: `attestations prints the attestation at nonce (default: the latest) as
the node serves it; with --json as JSON: nonce, kind, heights, tuple
root or validator set, the signing set's nonce and threshold, signed power
and every signature with its signer and power.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			cl, err := c.client()
			if err != nil {
				return err
			}
			which := "latest"
			if len(args) == 1 {
				if _, err := strconv.ParseUint(args[0], 10, 64); err != nil {
					return fmt.Errorf("nonce %q: want a non-negative integer", args[0])
				}
				which = args[0]
			}
			var a chain.Attestation
			if _, err := queryApp(ctx, cl, "/attestation/"+which, "attestation", &a); err != nil {
				return err
			}
			if asJSON {
				c.output = "json"
			}
			return c.print(cmd.OutOrStdout(), a, func(w io.Writer) { printAttestation(w, &a) })
		},
	}
	c.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (same as -o json)")
	return cmd
}

func printAttestation(w io.Writer, a *chain.Attestation) {
	fmt.Fprintf(w, "nonce %d: %s at height %d, signed by set %d: power %d of %d needed, complete %v\n",
		a.Nonce, a.Kind, a.Height, a.SignerNonce, a.SignedPower, a.SignerThreshold, a.Complete())
	switch a.Kind {
	case chain.AttestationDataCommitment:
		fmt.Fprintf(w, "heights %d-%d, tuple root %x\n", a.BeginHeight, a.EndHeight, []byte(a.TupleRoot))
	case chain.AttestationValset:
		fmt.Fprintf(w, "validator set hash %x, power threshold %d, %d members\n", []byte(a.ValsetHash), a.PowerThreshold, len(a.Valset))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SIGNER\tPOWER\tSIGNATURE")
	for _, s := range a.Signatures {
		fmt.Fprintf(tw, "0x%x\t%d\t%x\n", []byte(s.Signer), s.Power, []byte(s.Signature))
	}
	_ = tw.Flush()
}
