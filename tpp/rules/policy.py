"""Rules that are not ECCNs: the AI Diffusion framework, the 2026 China review policy, the Section 232 tariff."""

from __future__ import annotations

from tpp.rules.base import D, Finding, Rule, Threshold, all_of, not_for_hbm

__all__ = ["RuleDiffusion", "RuleChinaReview", "RuleTariff"]


def eccn_2023(prior: dict[str, Finding]) -> Finding | None:
    """The 2023 3A090 finding the policy rules build on."""
    return prior.get("3a090-2023")


class RuleDiffusion(Rule):
    id = "ai-diffusion-2025"
    title = "Framework for AI Diffusion"
    citation = "90 FR 4544 (Jan 15, 2025)"
    effective = D(2025, 1, 13)
    ends = D(2025, 5, 13)
    status = "not-enforced"
    status_note = "BIS announced non-enforcement on 2025-05-13; not formally rescinded"
    thresholds = (
        Threshold("lpp", "License Exception LPP", "TPP per consignee per year", "<=", 26_900_000, "LPP",
                  per_chip=False),
    )
    notes = ("scope: 3A090.a ICs and 4A090.a items: licence required worldwide except Tier 1 (US + 18)",)
    outcomes = ("license-required-worldwide", "not-applicable", "indeterminate")

    @property
    def LPP_TPP(self) -> float:  # noqa: N802 - the quota, read from the threshold data
        return self.t("lpp").value

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        base = eccn_2023(prior)
        if base is None or base.outcome == "indeterminate":
            return "indeterminate", None, [], ["depends on the 3A090 classification, which is indeterminate"], {}
        if base.details.get("eccn") != "3A090.a":
            return "not-applicable", None, [], ["not 3A090.a under the 2023 rule"], {}
        units = int(self.LPP_TPP // f.tpp)
        return "license-required-worldwide", None, [], [
            "3A090.a: licence required to destinations outside Tier 1 (US and 18 partners)",
            f"LPP quota {self.LPP_TPP:,.0f} TPP per consignee per year = {units:,} of this part"], {"lpp_units": units}


class RuleChinaReview(Rule):
    id = "cn-review-2026"
    title = "Licence review policy for China and Macau (case-by-case for H200-class chips)"
    citation = "91 FR 1684 (Jan 15, 2026)"
    effective = D(2026, 1, 15)
    thresholds = (
        Threshold("tpp", "case-by-case", "TPP", "<", 21000, "case-by-case"),
        Threshold("dram", "case-by-case", "memory bandwidth", "<", 6500, "case-by-case"),
        Threshold("volume", "volume", "share of the TPP shipped to US customers", "<=", 0.5, "case-by-case",
                  per_chip=False),
    )
    notes = ("volume: aggregate TPP to China/Macau at most this share of the TPP shipped to US customers of the "
             "product",)
    outcomes = ("case-by-case", "presumption-of-denial", "not-applicable", "indeterminate")

    @property
    def VOLUME_SHARE(self) -> float:  # noqa: N802 - the volume condition, read from the threshold data
        return self.t("volume").value

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        base = eccn_2023(prior)
        notes = ["'total DRAM bandwidth' taken as the chip's total memory bandwidth (definition not retrieved)",
                 f"conditions: certifications, third-party testing in the US, China/Macau volume <= "
                 f"{self.VOLUME_SHARE:.0%} of US volume; denial remains for D:5- or Macau-headquartered entities"]
        if base is None or base.outcome == "indeterminate":
            return "indeterminate", None, [], ["depends on the 3A090 classification, which is indeterminate"], {}
        if base.outcome != "controlled":
            return "not-applicable", None, [], ["not controlled under 3A090: no licence policy to apply"], {}
        t = self.t("tpp").test(f.tpp)
        m = self.t("dram").test(f.memory_bandwidth_gbps)
        held = all_of(t, m)
        if held is None:
            return "indeterminate", None, [t, m], notes, {}
        return ("case-by-case" if held else "presumption-of-denial"), None, [t, m], notes, {}


class RuleTariff(Rule):
    id = "tariff-232-2026"
    title = "Section 232 tariff on advanced computing chips (25%)"
    citation = "Proclamation 11002 (Jan 14, 2026)"
    effective = D(2026, 1, 15)
    thresholds = (
        Threshold("b1-tpp-min", "band-1", "TPP", ">", 14000, "band-1"),
        Threshold("b1-tpp-max", "band-1", "TPP", "<", 17500, "band-1"),
        Threshold("b1-mem-min", "band-1", "memory bandwidth", ">", 4500, "band-1"),
        Threshold("b1-mem-max", "band-1", "memory bandwidth", "<", 5000, "band-1"),
        Threshold("b2-tpp-min", "band-2", "TPP", ">=", 20800, "band-2"),
        Threshold("b2-tpp-max", "band-2", "TPP", "<=", 21100, "band-2"),
        Threshold("b2-mem-min", "band-2", "memory bandwidth", ">=", 5800, "band-2"),
        Threshold("b2-mem-max", "band-2", "memory bandwidth", "<=", 6200, "band-2"),
    )
    notes = ("a band holds when all four of its lines hold",)
    outcomes = ("band-1", "band-2", "none", "indeterminate")

    def _band(self, n: int, T, M):
        t = self.t
        return [t(f"b{n}-tpp-min").test(T), t(f"b{n}-tpp-max").test(T), t(f"b{n}-mem-min").test(M),
                t(f"b{n}-mem-max").test(M)]

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        T, M = f.tpp, f.memory_bandwidth_gbps
        b1, b2 = self._band(1, T, M), self._band(2, T, M)
        notes = ["band-2 bounds taken as inclusive (their strictness in the text was not verified)"]
        r1, r2 = all_of(*b1), all_of(*b2)
        if r1:
            return "band-1", None, b1, ["25% tariff band 1"], {}
        if r2:
            return "band-2", None, b2, notes + ["25% tariff band 2"], {}
        if None in (r1, r2):
            return "indeterminate", None, b1 + b2, notes, {}
        return "none", None, b1 + b2, notes, {}
