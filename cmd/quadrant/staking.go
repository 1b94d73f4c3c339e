package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/privval"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/validator"
)

// The staking commands: `quadrant tx create-validator|edit-validator|
// delegate|undelegate|unjail|withdraw-rewards`, `quadrant validators` and the staking part
// of `quadrant account balance`.

// sendStake signs msg with the --key account, submits it and waits until
// it is in a block; build may read the chain id (for a proof of
// possession) and the signer's address.
func (c *clientFlags) sendStake(cmd *cobra.Command, build func(chainID string, signer chain.Address) (chain.StakeMsg, error)) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
	defer cancel()
	cl, err := c.client()
	if err != nil {
		return err
	}
	s, err := c.submitter(ctx)
	if err != nil {
		return err
	}
	defer s.Stop()
	st, err := cl.Status(ctx)
	if err != nil {
		return fmt.Errorf("reading the chain id from %s: %w", c.nodeURL(), err)
	}
	msg, err := build(st.NodeInfo.Network, s.Address())
	if err != nil {
		return err
	}
	sub, err := s.Stake(ctx, msg)
	if err != nil {
		return err
	}
	res, err := waitIncluded(ctx, cmd.ErrOrStderr(), sub)
	if err != nil {
		return err
	}
	out := map[string]any{"tx": msg.Name(), "height": res.Height, "tx_hash": fmt.Sprintf("%X", res.Hash), "from": s.Address().String()}
	return c.print(cmd.OutOrStdout(), out, func(w io.Writer) {
		fmt.Fprintf(w, "%s by %s at height %d (tx %X)\n", msg.Name(), s.Address(), res.Height, res.Hash)
	})
}

// loadConsensusKey reads the ed25519 validator key of a node home.
func loadConsensusKey(home string) (key ed25519.PrivKey, err error) {
	cfg, err := validator.LoadNodeConfig(home)
	if err != nil {
		return nil, fmt.Errorf("--validator-home %s is not a node home (run `quadrant init` there first): %w", home, err)
	}
	cc := cfg.CometConfig(home)
	defer func() { // privval panics on a missing or corrupt file
		if r := recover(); r != nil {
			err = fmt.Errorf("reading validator key %s: %v", cc.PrivValidatorKeyFile(), r)
		}
	}()
	pv := privval.LoadFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	k, ok := pv.Key.PrivKey.(ed25519.PrivKey)
	if !ok {
		return nil, fmt.Errorf("validator key %s is %s, want ed25519", cc.PrivValidatorKeyFile(), pv.Key.PrivKey.Type())
	}
	return k, nil
}

func parseEthAddress(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != chain.EthAddressSize {
		return nil, fmt.Errorf("--eth-address %q: want 0x and 40 hex digits", s)
	}
	return b, nil
}

func newCreateValidatorCmd() *cobra.Command {
	var (
		c                      clientFlags
		valHome, moniker, eth  string
		selfBond, commissionBp uint64
	)
	cmd := &cobra.Command{
		Use:   "create-validator",
		Short: "Make the --key account the operator of a new validator run by the node at --validator-home",
		Long: `create-validator bonds --self-bond from the --key account to a new validator
whose consensus key is the node's (read from --validator-home, default --home),
with a proof that the key is held: its signature over the chain id and the
operator address. The validator joins CometBFT's set two blocks after the
transaction's block if its power (bonded ÷ the chain's power reduction) ranks
within max_validators.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ethAddr, err := parseEthAddress(eth)
			if err != nil {
				return err
			}
			if valHome == "" {
				valHome = c.home
			}
			ck, err := loadConsensusKey(valHome)
			if err != nil {
				return err
			}
			return c.sendStake(cmd, func(chainID string, op chain.Address) (chain.StakeMsg, error) {
				pop, err := ck.Sign(chain.PossessionBytes(chainID, op))
				if err != nil {
					return chain.StakeMsg{}, err
				}
				return chain.StakeMsg{CreateValidator: &chain.CreateValidator{
					ConsKeyType: ed25519.KeyType, ConsPubKey: ck.PubKey().Bytes(), ProofOfPossession: pop,
					Moniker: moniker, CommissionBps: commissionBp, SelfBond: selfBond, EthAddress: ethAddr,
				}}, nil
			})
		},
	}
	c.registerSigner(cmd)
	f := cmd.Flags()
	f.StringVar(&valHome, "validator-home", "", "node home holding the validator (consensus) key (default: --home)")
	f.StringVar(&moniker, "moniker", "", "validator name (1..64 bytes)")
	f.Uint64Var(&selfBond, "self-bond", 0, "tokens to bond from the operator account (≥ the chain's min_self_bond)")
	f.Uint64Var(&commissionBp, "commission-bps", 500, "commission on delegators' rewards, in basis points (500 = 5 %)")
	f.StringVar(&eth, "eth-address", "", "optional Ethereum address (0x + 40 hex) for attestations")
	_ = cmd.MarkFlagRequired("moniker")
	_ = cmd.MarkFlagRequired("self-bond")
	return cmd
}

func newEditValidatorCmd() *cobra.Command {
	var (
		c            clientFlags
		moniker, eth string
	)
	cmd := &cobra.Command{
		Use:   "edit-validator",
		Short: "Change the --key operator's validator's moniker and Ethereum address (an empty --eth-address removes it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ethAddr, err := parseEthAddress(eth)
			if err != nil {
				return err
			}
			return c.sendStake(cmd, func(string, chain.Address) (chain.StakeMsg, error) {
				return chain.StakeMsg{EditValidator: &chain.EditValidator{Moniker: moniker, EthAddress: ethAddr}}, nil
			})
		},
	}
	c.registerSigner(cmd)
	cmd.Flags().StringVar(&moniker, "moniker", "", "new moniker (empty: unchanged)")
	cmd.Flags().StringVar(&eth, "eth-address", "", "Ethereum address (0x + 40 hex); empty removes it")
	return cmd
}

func newWithdrawCmd() *cobra.Command {
	var (
		c   clientFlags
		val string
	)
	cmd := &cobra.Command{
		Use:   "withdraw-rewards",
		Short: "Pay the --key account's pending rewards from a validator to its balance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			op, err := chain.ParseAddress(val)
			if err != nil {
				return fmt.Errorf("--validator: %w (the operator address, as `quadrant validators` prints it)", err)
			}
			return c.sendStake(cmd, func(string, chain.Address) (chain.StakeMsg, error) {
				return chain.StakeMsg{WithdrawRewards: &op}, nil
			})
		},
	}
	c.registerSigner(cmd)
	cmd.Flags().StringVar(&val, "validator", "", "the validator's operator address (40 hex digits)")
	_ = cmd.MarkFlagRequired("validator")
	return cmd
}

// newBondCmd is delegate (undelegate false) or undelegate.
func newBondCmd(use, short string, undelegate bool) *cobra.Command {
	var (
		c      clientFlags
		val    string
		amount uint64
	)
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			op, err := chain.ParseAddress(val)
			if err != nil {
				return fmt.Errorf("--validator: %w (the operator address, as `quadrant validators` prints it)", err)
			}
			return c.sendStake(cmd, func(string, chain.Address) (chain.StakeMsg, error) {
				d := &chain.Delegation{Validator: op, Amount: amount}
				if undelegate {
					return chain.StakeMsg{Undelegate: d}, nil
				}
				return chain.StakeMsg{Delegate: d}, nil
			})
		},
	}
	c.registerSigner(cmd)
	cmd.Flags().StringVar(&val, "validator", "", "the validator's operator address (40 hex digits)")
	cmd.Flags().Uint64Var(&amount, "amount", 0, "tokens, in base units")
	_ = cmd.MarkFlagRequired("validator")
	_ = cmd.MarkFlagRequired("amount")
	return cmd
}

func newUnjailCmd() *cobra.Command {
	var c clientFlags
	cmd := &cobra.Command{
		Use:   "unjail",
		Short: "Bring the --key operator's jailed validator back once its jail period has passed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.sendStake(cmd, func(string, chain.Address) (chain.StakeMsg, error) {
				return chain.StakeMsg{Unjail: true}, nil
			})
		},
	}
	c.registerSigner(cmd)
	return cmd
}

// stakingTxCmds are the staking subcommands of `quadrant tx`.
func stakingTxCmds() []*cobra.Command {
	return []*cobra.Command{
		newCreateValidatorCmd(),
		newEditValidatorCmd(),
		newBondCmd("delegate", "Bond tokens from the --key account to a validator", false),
		newBondCmd("undelegate", "Unbond tokens from a validator; they return after the unbonding period", true),
		newUnjailCmd(),
		newWithdrawCmd(),
	}
}

func newValidatorsCmd() *cobra.Command {
	var (
		c      clientFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "validators",
		Short: "List the validators with power, jailed and tombstoned status",
		Long: `validators lists every validator the chain knows, by power. With --json it
prints a JSON array of objects with address (consensus address, as CometBFT's
/validators), operator, moniker, power, tokens, active, jailed, tombstoned,
commission_bps and eth_address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			cl, err := c.client()
			if err != nil {
				return err
			}
			var vals []chain.ValidatorInfo
			if _, err := queryApp(ctx, cl, "/validators", "validators", &vals); err != nil {
				return err
			}
			if asJSON {
				c.output = "json"
			}
			return c.print(cmd.OutOrStdout(), vals, func(w io.Writer) { printValidators(w, vals) })
		},
	}
	c.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (same as -o json)")
	return cmd
}

func printValidators(w io.Writer, vals []chain.ValidatorInfo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tOPERATOR\tMONIKER\tPOWER\tTOKENS\tACTIVE\tJAILED\tTOMBSTONED")
	for _, v := range vals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%v\t%v\t%v\n", v.Address, v.Operator, v.Moniker, v.Power, v.Tokens, v.Active, v.Jailed, v.Tombstoned)
	}
	tw.Flush()
}

// balanceInfo is `quadrant account balance`'s answer: the account and its
// stake.
type balanceInfo struct {
	chain.AccountInfo
	Bonded    uint64 `json:"bonded"`
	Unbonding uint64 `json:"unbonding"`
	Rewards   uint64 `json:"rewards"`
}

// withStake adds the account's bonded, unbonding and pending reward
// amounts (the "/stake/<address>" query) to info.
func withStake(ctx context.Context, cl *rpchttp.HTTP, info chain.AccountInfo) (balanceInfo, error) {
	var st chain.StakeInfo
	if _, err := queryApp(ctx, cl, "/stake/"+info.Address.String(), "stake", &st); err != nil {
		return balanceInfo{}, err
	}
	return balanceInfo{AccountInfo: info, Bonded: st.Bonded, Unbonding: st.Unbonding, Rewards: st.Rewards}, nil
}
