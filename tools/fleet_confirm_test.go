package tools_test

import (
	"slices"
	"testing"

	"github.com/hostup/hostup-mcp/tools"
)

// A fleet's confirm_token covers exactly the rows the user was shown. Passed
// with vps_ids naming a part of them, which the user never saw alone, it is
// refused and nothing is sent; the same rows named in another order are the
// same plan, and apply.
func TestApplyBackupPolicyTokenIsRefusedForRowsOtherThanThoseShown(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 11)
	e := newEnv(t, sim)
	var plan tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", nightlyPolicy(), &plan)
	if plan.Outcome != "confirmation_required" || plan.ConfirmToken == "" {
		t.Fatalf("plan: outcome %q", plan.Outcome)
	}
	granted := sending(vpses)
	for _, ids := range [][]string{granted[:2], append(slices.Clone(granted), "vps_notshown1")} {
		e.refused("apply_backup_policy", with(nightlyPolicy(), "vps_ids", ids, "confirm_token", plan.ConfirmToken),
			"(code other_rows_confirm_token)", "plan of other VPSes", "vps_ids")
	}

	all := make([]string, len(vpses))
	for i, v := range vpses {
		all[len(vpses)-1-i] = v.id
	}
	var out tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", with(nightlyPolicy(), "vps_ids", all, "confirm_token", plan.ConfirmToken), &out)
	if out.Outcome != "applied" {
		t.Fatalf("the same rows in another order: outcome %q", out.Outcome)
	}
	wantOnePOSTEach(t, e, granted)
}
