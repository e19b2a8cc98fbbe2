"""Rules that are not ECCNs: the AI Diffusion framework, the 2026 China review policy, the Section 232 tariff."""

from __future__ import annotations

import calendar

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
    status_note = ("BIS announced non-enforcement on 2025-05-13 and never rescinded it: the CFR still carries the text "
                   "(eCFR 2026-07-23); GAO B-337935 (2026-05-12) found the announcement an unsubmitted CRA rule; a "
                   "replacement rule sent to OIRA on 2026-02-26 was withdrawn in March 2026")
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


def available_before(release: str | None, day: D) -> bool | None:
    """Was a part released on or before ``day``, judged from its release date (YYYY-MM-DD, YYYY-MM or YYYY)?

    None when the date is unknown or too coarse to tell (a release in the month or year of ``day``).
    """
    if not release:
        return None
    parts = [int(x) for x in release.split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else None
    if len(parts) == 3:
        first = last = D(year, month, parts[2])
    elif month is not None:
        first, last = D(year, month, 1), D(year, month, calendar.monthrange(year, month)[1])
    else:
        first, last = D(year, 1, 1), D(year, 12, 31)
    if last <= day:
        return True
    return False if first > day else None


class RuleChinaReview(Rule):
    id = "cn-review-2026"
    title = "Licence review policy for China and Macau (case-by-case for H200-class chips)"
    citation = "91 FR 1684 (Jan 15, 2026), FR Doc 2026-00789; 15 CFR 742.6(b)(10); Supplement No. 2 to Part 748 (dd)"
    effective = D(2026, 1, 15)
    published = D(2026, 1, 15)  # 'commercially available in the United States at the time of publication'
    thresholds = (
        Threshold("tpp", "case-by-case", "TPP", "<", 21000, "case-by-case"),
        Threshold("dram", "case-by-case", "memory bandwidth", "<", 6500, "case-by-case"),
        Threshold("volume", "volume", "share of the TPP shipped to US customers", "<=", 0.5, "case-by-case",
                  per_chip=False),
    )
    notes = ("applies only to exports from the United States to China or Macau of chips commercially available in "
             "the US on 2026-01-15; re-exports, exports from abroad and in-country transfers, and D:5- or "
             "Macau-headquartered entities located elsewhere, stay presumption of denial",
             "volume: aggregate TPP to China/Macau at most this share of the TPP shipped to US customers of the "
             "product",
             "conditions the exporter certifies: sufficient US supply, no foundry diversion, recipient KYC and "
             "remote-access controls, independent third-party testing in the US")
    outcomes = ("case-by-case", "presumption-of-denial", "not-applicable", "indeterminate")

    @property
    def VOLUME_SHARE(self) -> float:  # noqa: N802 - the volume condition, read from the threshold data
        return self.t("volume").value

    def _availability(self, f) -> tuple[bool | None, str]:
        if f.market_region == "china":
            return False, ("a China-market part (market_region = \"china\" in its entry): not commercially "
                           f"available in the US on {self.published.isoformat()}, so the case-by-case policy does "
                           "not reach it")
        if f.us_available is not None:
            return f.us_available, ("commercial availability in the US on 2026-01-15 assumed" if f.us_available
                                    else "not commercially available in the US on 2026-01-15 (given)")
        avail = available_before(f.release_date, self.published)
        if avail is None:
            why = "release date unknown" if not f.release_date else f"released {f.release_date}: too coarse to tell"
            return None, (f"US commercial availability on {self.published.isoformat()} cannot be judged ({why}): "
                          "the case-by-case policy requires it")
        if not avail:
            return False, (f"released {f.release_date}, after {self.published.isoformat()}: not commercially "
                           "available in the US at publication, so the case-by-case policy does not reach it")
        return True, (f"released {f.release_date}: taken as commercially available in the US on "
                      f"{self.published.isoformat()} (judged from the release date; confirm it, e.g. China-market "
                      "parts were never sold in the US)")

    def _evaluate(self, f, day, prior):
        if f.kind == "hbm":
            return not_for_hbm(self)
        base = eccn_2023(prior)
        notes = ["'total DRAM bandwidth' taken as the chip's total memory bandwidth (definition not retrieved)",
                 "exports from the United States to China or Macau only; re-exports, exports from abroad, "
                 "in-country transfers and D:5- or Macau-headquartered entities located elsewhere stay presumption "
                 "of denial ('tpp license' applies the destination)",
                 f"conditions: certifications, third-party testing in the US, China/Macau volume <= "
                 f"{self.VOLUME_SHARE:.0%} of US volume"]
        if base is None or base.outcome == "indeterminate":
            return "indeterminate", None, [], ["depends on the 3A090 classification, which is indeterminate"], {}
        if base.outcome != "controlled":
            return "not-applicable", None, [], ["not controlled under 3A090: no licence policy to apply"], {}
        t = self.t("tpp").test(f.tpp)
        m = self.t("dram").test(f.memory_bandwidth_gbps)
        held = all_of(t, m)
        if held is None:
            return "indeterminate", None, [t, m], notes, {}
        if not held:
            return "presumption-of-denial", None, [t, m], notes, {}
        avail, why = self._availability(f)
        details = {"us_available": avail}
        if avail is None:
            return "indeterminate", None, [t, m], [why, *notes], {**details, "missing": ("release date",)}
        return ("case-by-case" if avail else "presumption-of-denial"), None, [t, m], [why, *notes], details


class RuleTariff(Rule):
    id = "tariff-232-2026"
    title = "Section 232 tariff on advanced computing chips (25%)"
    citation = ("Proclamation 11002 (Jan 14, 2026), 91 FR 2443; HTSUS 9903.79.01, U.S. note 39 to subchapter III of "
                "chapter 99; CBP CSMS #67400472")
    effective = D(2026, 1, 15)
    thresholds = (
        Threshold("b1-tpp-min", "band-1", "TPP", ">", 14000, "band-1"),
        Threshold("b1-tpp-max", "band-1", "TPP", "<", 17500, "band-1"),
        Threshold("b1-mem-min", "band-1", "memory bandwidth", ">", 4500, "band-1"),
        Threshold("b1-mem-max", "band-1", "memory bandwidth", "<", 5000, "band-1"),
        Threshold("b2-tpp-min", "band-2", "TPP", ">", 20800, "band-2"),
        Threshold("b2-tpp-max", "band-2", "TPP", "<", 21100, "band-2"),
        Threshold("b2-mem-min", "band-2", "memory bandwidth", ">", 5800, "band-2"),
        Threshold("b2-mem-max", "band-2", "memory bandwidth", "<", 6200, "band-2"),
    )
    notes = ("a band holds when all four of its lines hold (every bound strict, as CBP's CSMS words them)",
             "a chip in a band meets the technical parameters of 9903.79.01; the 25% duty is owed on imports into "
             "the US under HTS 8471.50, 8471.80 or 8473.30 unless an end-use exemption (9903.79.03-.09: US data "
             "centres, repairs, US R&D, start-ups, consumer, civil industrial, public sector) applies")
    DUTY = ("meets the technical parameters of HTSUS 9903.79.01 ({band}); the 25% duty is owed only on an import "
            "into the US under HTS 8471.50, 8471.80 or 8473.30 and outside the end-use exemptions 9903.79.03-.09 "
            "(the HTS heading and the end use are not chip facts: check them)")
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
        r1, r2 = all_of(*b1), all_of(*b2)
        if r1:
            return "band-1", None, b1, [self.DUTY.format(band="band 1")], {}
        if r2:
            return "band-2", None, b2, [self.DUTY.format(band="band 2")], {}
        if None in (r1, r2):
            return "indeterminate", None, b1 + b2, [], {}
        return "none", None, b1 + b2, ["outside both bands of 9903.79.01: no Section 232 duty on this part"], {}
