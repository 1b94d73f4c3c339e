package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// clientFlags are shared by the commands that talk to a running node.
type clientFlags struct {
	home    string
	node    string
	grpc    string
	key     string
	timeout time.Duration
	output  string
}

// register registers the flags of a command that reads from a node.
func (c *clientFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.home, "home", clientHome(), "home whose keys/ holds the signing key ($QUADRANT_HOME)")
	f.StringVar(&c.node, "node", "", "CometBFT RPC of a node (default: the home's rpc.listen_address, else http://127.0.0.1:26657)")
	f.DurationVar(&c.timeout, "timeout", 2*time.Minute, "give up after this long")
	f.StringVarP(&c.output, "output", "o", "text", "output format: text or json")
}

// registerSigner is register plus the flags of a command that signs and
// submits: the key and the validator's core API.
func (c *clientFlags) registerSigner(cmd *cobra.Command) {
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&c.key, "key", "faucet", "name of the signing key")
	f.StringVar(&c.grpc, "grpc", "", "core API of a validator, host:port, that takes signed transactions in binary (default: the home's rpc.grpc_listen_address, else validator 0's of a devnet home, else 127.0.0.1:26659)")
}

// nodeURL returns --node, or the RPC address in the home's config.toml, or
// validator 0 of a devnet home, or the default local RPC.
func (c *clientFlags) nodeURL() string {
	if c.node != "" {
		return c.node
	}
	if cfg, err := validator.LoadNodeConfig(c.home); err == nil {
		return "http://" + stripScheme(cfg.RPC.ListenAddress)
	}
	if m, err := loadManifest(c.home); err == nil && len(m.Validators) > 0 {
		return m.Validators[0].RPC
	}
	return "http://127.0.0.1:26657"
}

// coreAddr returns --grpc, or the core API address in the home's
// config.toml, or validator 0's of a devnet home, or the default.
func (c *clientFlags) coreAddr() string {
	if c.grpc != "" {
		return c.grpc
	}
	if cfg, err := validator.LoadNodeConfig(c.home); err == nil && cfg.RPC.GRPCListenAddress != "" {
		return stripScheme(cfg.RPC.GRPCListenAddress)
	}
	if m, err := loadManifest(c.home); err == nil && len(m.Validators) > 0 && m.Validators[0].GRPC != "" {
		return m.Validators[0].GRPC
	}
	return stripScheme(validator.DefaultNodeConfig().RPC.GRPCListenAddress)
}

func (c *clientFlags) client() (*rpchttp.HTTP, error) {
	cl, err := rpchttp.New(c.nodeURL(), "/websocket")
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", c.nodeURL(), err)
	}
	return cl, nil
}

// submitter loads the key and starts its submission queue.
func (c *clientFlags) submitter(ctx context.Context) (*wallet.Submitter, error) {
	key, err := wallet.NewKeyring(c.home).Load(c.key)
	if err != nil {
		return nil, err
	}
	cl, err := c.client()
	if err != nil {
		return nil, err
	}
	mp, err := coreapi.Dial(c.coreAddr())
	if err != nil {
		return nil, err
	}
	// Fail fast when nothing answers, rather than waiting out --timeout.
	cctx, cancel := context.WithTimeout(ctx, connectCheckTimeout)
	defer cancel()
	if _, err := cl.Status(cctx); err != nil {
		mp.Close()
		return nil, fmt.Errorf("no node answers at %s (is it running? `quadrant devnet` starts a local network; --node picks another): %w", c.nodeURL(), err)
	}
	if err := mp.Check(cctx); err != nil {
		mp.Close()
		return nil, fmt.Errorf("no validator core API answers at %s (its rpc.grpc_listen_address; --grpc picks another): %w", c.coreAddr(), err)
	}
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: cl, Mempool: mp, Key: key, PollInterval: 100 * time.Millisecond})
	if err != nil {
		mp.Close()
		return nil, err
	}
	s.Start(ctx)
	context.AfterFunc(ctx, func() { mp.Close() })
	return s, nil
}

// connectCheckTimeout bounds the check that a node answers before a
// submission; waitingNotice is how long inclusion may take before the CLI
// says it is waiting.
const (
	connectCheckTimeout = 5 * time.Second
	waitingNotice       = 3 * time.Second
)

// waitIncluded waits until sub is in a block, telling progress (when
// inclusion takes longer than waitingNotice) on the writer; a transaction
// that is in a block but failed there is an error.
func waitIncluded(ctx context.Context, progress io.Writer, sub *wallet.Submission) (wallet.SubmissionStatus, error) {
	t := time.AfterFunc(waitingNotice, func() {
		fmt.Fprintf(progress, "waiting for tx %X to be included in a block...\n", sub.Status().Hash)
	})
	st, err := sub.Wait(ctx)
	t.Stop()
	if err != nil {
		return st, err
	}
	if st.Code != 0 {
		return st, fmt.Errorf("included at height %d but failed (code %d): %s", st.Height, st.Code, st.Reason)
	}
	return st, nil
}

func (c *clientFlags) print(w io.Writer, v any, text func(io.Writer)) error {
	if c.output == "json" {
		return json.NewEncoder(w).Encode(v)
	}
	text(w)
	return nil
}

// parseNamespace reads a namespace given unambiguously: "0x" followed by hex
// (29 bytes, or a version-0 id of at most 10 bytes), all 29 bytes as 58 hex
// digits (how quadrant prints namespaces: too long to be a name), or else a
// name of at most 10 ASCII characters used as the version-0 id — so "cafe"
// is the name "cafe", never the bytes 0xca 0xfe.
func parseNamespace(s string) (da.Namespace, error) {
	var ns da.Namespace
	if len(s) == 2*da.NamespaceSize {
		if _, err := hex.DecodeString(s); err == nil {
			s = "0x" + s
		}
	}
	switch {
	case s == "":
		return ns, errors.New("namespace is required (0x-prefixed hex, or a name of at most 10 characters)")
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		b, err := hex.DecodeString(s[2:])
		if err != nil {
			return ns, fmt.Errorf("namespace %q: invalid hex after 0x", s)
		}
		switch {
		case len(b) == 0:
			return ns, fmt.Errorf("namespace %q: no hex digits after 0x", s)
		case len(b) == da.NamespaceSize:
			ns, err = da.NamespaceFromBytes(b)
		case len(b) <= 10:
			ns, err = da.NewNamespaceV0(b)
		default:
			return ns, fmt.Errorf("namespace %q: %d bytes, want 29 (a whole namespace) or at most 10 (a version-0 id)", s, len(b))
		}
		if err != nil {
			return ns, fmt.Errorf("namespace %q: %w", s, err)
		}
	default:
		for _, r := range s {
			if r < 0x20 || r > 0x7e {
				return ns, fmt.Errorf("namespace %q: a name must be printable ASCII (or give 0x-prefixed hex)", s)
			}
		}
		if len(s) > 10 {
			return ns, fmt.Errorf("namespace %q: a name has at most 10 characters (or give 0x-prefixed hex)", s)
		}
		var err error
		if ns, err = da.NewNamespaceV0([]byte(s)); err != nil {
			return ns, fmt.Errorf("namespace %q: %w", s, err)
		}
	}
	if err := ns.ValidateForBlob(); err != nil {
		return ns, fmt.Errorf("namespace %q: %w", s, err)
	}
	return ns, nil
}

func newBlobCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "blob", Short: "Submit and read blobs"}
	cmd.AddCommand(newBlobSubmitCmd(), newBlobGetCmd())
	return cmd
}

type submitResult struct {
	Height     int64  `json:"height"`
	Namespace  string `json:"namespace"`
	Commitment string `json:"commitment"`
	TxHash     string `json:"tx_hash"`
	Sequence   uint64 `json:"sequence"`
	Size       int    `json:"size"`
}

func newBlobSubmitCmd() *cobra.Command {
	var (
		c                 clientFlags
		nsArg, file, data string
		shareVersion      uint8
	)
	cmd := &cobra.Command{
		Use:   "submit",
		Short: "Pay for a blob, wait until it is in a block, print height and commitment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, err := parseNamespace(nsArg)
			if err != nil {
				return err
			}
			var payload []byte
			switch {
			case file != "" && data != "":
				return fmt.Errorf("give --file or --data, not both")
			case file != "":
				if payload, err = os.ReadFile(file); err != nil {
					return err
				}
			case data != "":
				payload = []byte(data)
			default:
				return fmt.Errorf("give the blob with --file F or --data STR")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			s, err := c.submitter(ctx)
			if err != nil {
				return err
			}
			defer s.Stop()
			var signer []byte
			if shareVersion == 1 {
				a := s.Address()
				signer = a[:]
			}
			blob, err := blobs.NewBlob(ns, payload, shareVersion, signer)
			if err != nil {
				return err
			}
			commitment, err := blobs.CreateCommitment(blob)
			if err != nil {
				return err
			}
			sub, err := s.SubmitBlobs(ctx, blob)
			if err != nil {
				return err
			}
			st, err := waitIncluded(ctx, cmd.ErrOrStderr(), sub)
			if err != nil {
				return err
			}
			res := submitResult{Height: st.Height, Namespace: ns.String(), Commitment: hex.EncodeToString(commitment),
				TxHash: fmt.Sprintf("%X", st.Hash), Sequence: st.Sequence, Size: len(payload)}
			return c.print(cmd.OutOrStdout(), res, func(w io.Writer) {
				fmt.Fprintf(w, "height:     %d\ncommitment: %s\nnamespace:  %s\ntx hash:    %s\n", res.Height, res.Commitment, res.Namespace, res.TxHash)
			})
		},
	}
	c.registerSigner(cmd)
	f := cmd.Flags()
	f.StringVar(&nsArg, "namespace", "", "namespace: 0x-prefixed hex (29 bytes or a ≤10-byte id) or a name of ≤10 characters")
	f.StringVar(&file, "file", "", "file holding the blob")
	f.StringVar(&data, "data", "", "the blob, as a string")
	f.Uint8Var(&shareVersion, "share-version", 0, "0, or 1 to record the signer in the blob's first share")
	_ = cmd.MarkFlagRequired("namespace")
	return cmd
}

type blobOut struct {
	Height       int64  `json:"height"`
	Namespace    string `json:"namespace"`
	Commitment   string `json:"commitment"`
	Signer       string `json:"signer"`
	ShareIndex   int    `json:"share_index"`
	ShareVersion uint8  `json:"share_version"`
	Size         int    `json:"size"`
	Data         []byte `json:"data"`
}

func newBlobGetCmd() *cobra.Command {
	var (
		c         clientFlags
		height    int64
		nsArg     string
		commitArg string
	)
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Print the blobs of a namespace at a height (read from a validator's index and block)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, err := parseNamespace(nsArg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			cl, err := c.client()
			if err != nil {
				return err
			}
			if st, err := cl.Status(ctx); err != nil {
				return fmt.Errorf("asking %s for its head: %w", c.nodeURL(), err)
			} else if head := st.SyncInfo.LatestBlockHeight; height > head {
				return fmt.Errorf("height %d is above the network head %d", height, head)
			} else if height < 1 {
				return fmt.Errorf("height %d: heights start at 1", height)
			}
			out, err := getBlobs(ctx, cl, height, ns)
			if err != nil {
				return err
			}
			if commitArg != "" {
				if out, err = pickCommitment(out, commitArg); err != nil {
					return err
				}
			}
			if c.output == "raw" {
				switch len(out) {
				case 0:
					return fmt.Errorf("no blobs in namespace %s at height %d", ns, height)
				case 1:
					_, err := cmd.OutOrStdout().Write(out[0].Data)
					return err
				default:
					return fmt.Errorf("%d blobs in namespace %s at height %d: pick one with --commitment for -o raw", len(out), ns, height)
				}
			}
			return c.print(cmd.OutOrStdout(), out, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintf(w, "no blobs in namespace %s at height %d\n", ns, height)
				}
				for _, b := range out {
					fmt.Fprintf(w, "height %d  share %d  size %d  commitment %s  signer %s\n", b.Height, b.ShareIndex, b.Size, b.Commitment, b.Signer)
					if utf8.Valid(b.Data) {
						fmt.Fprintf(w, "  data: %s\n", strconv.Quote(string(b.Data)))
					} else {
						fmt.Fprintf(w, "  data (hex): %x\n", b.Data)
					}
				}
			})
		},
	}
	c.register(cmd)
	cmd.Flags().Int64Var(&height, "height", 0, "block height")
	cmd.Flags().StringVar(&nsArg, "namespace", "", "namespace: 0x-prefixed hex or a name of ≤10 characters")
	cmd.Flags().StringVar(&commitArg, "commitment", "", "only the blob with this share commitment (hex, as blob submit prints it)")
	cmd.Flags().Lookup("output").Usage = "output format: text, json, or raw (the blob's bytes alone, for redirecting to a file)"
	_ = cmd.MarkFlagRequired("height")
	_ = cmd.MarkFlagRequired("namespace")
	return cmd
}

// queryApp asks the node's application for path and decodes its JSON answer
// into v; what names the answer in errors. It returns the height the answer
// was read at.
func queryApp(ctx context.Context, cl *rpchttp.HTTP, path, what string, v any) (int64, error) {
	res, err := cl.ABCIQuery(ctx, path, nil)
	if err != nil {
		return 0, err
	}
	if res.Response.Code != chain.CodeOK {
		return 0, fmt.Errorf("query %s: %s", what, res.Response.Log)
	}
	if err := json.Unmarshal(res.Response.Value, v); err != nil {
		return 0, fmt.Errorf("decoding %s: %w", what, err)
	}
	return res.Response.Height, nil
}

// getBlobs reads the blob index records of (height, ns) from the node, then
// the block, rebuilds its square and returns each recorded blob, checking its
// share index and commitment against the record.
func getBlobs(ctx context.Context, cl *rpchttp.HTTP, height int64, ns da.Namespace) ([]blobOut, error) {
	var recs []consensus.BlobRecord
	if _, err := queryApp(ctx, cl, fmt.Sprintf("/blobs/%d/%s", height, ns), "blobs", &recs); err != nil {
		return nil, err
	}
	out := []blobOut{}
	if len(recs) == 0 {
		return out, nil
	}
	var params chain.Params
	if _, err := queryApp(ctx, cl, "/params", "params", &params); err != nil {
		return nil, err
	}
	blk, err := cl.Block(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("fetching block %d: %w", height, err)
	}
	txs := make([][]byte, 0, len(blk.Block.Txs))
	for _, tx := range blk.Block.Txs {
		txs = append(txs, tx)
	}
	if n := len(txs); n > 0 && blobs.IsDataRootTx(txs[n-1]) {
		txs = txs[:n-1]
	}
	sq, err := blobs.Construct(txs, params.MaxSquareSize)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the square of block %d: %w", height, err)
	}
	parsed, err := blobs.ParseSquare(sq)
	if err != nil {
		return nil, fmt.Errorf("parsing the square of block %d: %w", height, err)
	}
	byIndex := map[int]*blobs.Blob{}
	for _, p := range parsed.BlobsIn(ns) {
		byIndex[p.Index] = p.Blob
	}
	for _, r := range recs {
		b, ok := byIndex[r.Index]
		if !ok {
			return nil, fmt.Errorf("block %d: no blob of namespace %s at share %d, where the index says one is", height, ns, r.Index)
		}
		c, err := blobs.CreateCommitment(b)
		if err != nil {
			return nil, err
		}
		if hex.EncodeToString(c) != r.Commitment.String() {
			return nil, fmt.Errorf("block %d share %d: blob commitment %x, index says %s", height, r.Index, c, r.Commitment)
		}
		out = append(out, blobOut{Height: height, Namespace: ns.String(), Commitment: r.Commitment.String(), Signer: r.Signer.String(),
			ShareIndex: r.Index, ShareVersion: b.ShareVersion, Size: len(b.Data), Data: b.Data})
	}
	return out, nil
}

func newTxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tx", Short: "Send transactions"}
	var (
		c      clientFlags
		to     string
		amount uint64
	)
	send := &cobra.Command{
		Use:   "send",
		Short: "Transfer funds to an address and wait until it is in a block",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dst, err := chain.ParseAddress(to)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			s, err := c.submitter(ctx)
			if err != nil {
				return err
			}
			defer s.Stop()
			sub, err := s.Transfer(ctx, dst, amount)
			if err != nil {
				return err
			}
			st, err := waitIncluded(ctx, cmd.ErrOrStderr(), sub)
			if err != nil {
				return err
			}
			res := map[string]any{"height": st.Height, "tx_hash": fmt.Sprintf("%X", st.Hash), "from": s.Address().String(), "to": dst.String(), "amount": amount}
			return c.print(cmd.OutOrStdout(), res, func(w io.Writer) {
				fmt.Fprintf(w, "sent %d from %s to %s at height %d (tx %X)\n", amount, s.Address(), dst, st.Height, st.Hash)
			})
		},
	}
	c.registerSigner(send)
	send.Flags().StringVar(&to, "to", "", "recipient address (40 hex digits)")
	send.Flags().Uint64Var(&amount, "amount", 0, "amount in base units")
	_ = send.MarkFlagRequired("to")
	_ = send.MarkFlagRequired("amount")
	cmd.AddCommand(send)
	cmd.AddCommand(stakingTxCmds()...)
	return cmd
}

func newAccountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Read accounts"}
	var c clientFlags
	balance := &cobra.Command{
		Use:   "balance [ADDRESS]",
		Short: "Print an account's balance, sequence and stake: bonded, unbonding, pending rewards (default: the --key account)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var addr chain.Address
			if len(args) == 1 {
				a, err := chain.ParseAddress(args[0])
				if err != nil {
					return err
				}
				addr = a
			} else {
				k, err := wallet.NewKeyring(c.home).Load(c.key)
				if err != nil {
					return err
				}
				addr = k.Address()
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			cl, err := c.client()
			if err != nil {
				return err
			}
			var acc chain.AccountInfo
			height, err := queryApp(ctx, cl, "/account/"+addr.String(), "account", &acc)
			if err != nil {
				return err
			}
			info, err := withStake(ctx, cl, acc)
			if err != nil {
				return err
			}
			return c.print(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "address:   %s\nbalance:   %d\nbonded:    %d\nunbonding: %d\nrewards:   %d\nsequence:  %d\nheight:    %d\n",
					addr, info.Balance, info.Bonded, info.Unbonding, info.Rewards, info.Sequence, height)
			})
		},
	}
	c.registerSigner(balance)
	cmd.AddCommand(balance)
	return cmd
}

// pickCommitment keeps the blob whose share commitment is arg (hex, with or
// without 0x).
func pickCommitment(bs []blobOut, arg string) ([]blobOut, error) {
	want := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(arg, "0x"), "0X"))
	if _, err := hex.DecodeString(want); err != nil || len(want) != 64 {
		return nil, fmt.Errorf("--commitment %q: want 32 bytes of hex", arg)
	}
	for _, b := range bs {
		if b.Commitment == want {
			return []blobOut{b}, nil
		}
	}
	return nil, fmt.Errorf("no blob with commitment %s there (%d other blobs)", want, len(bs))
}
