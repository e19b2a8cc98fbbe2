"""Hardware-lab regression logic over ``tpp bench`` result files: compare two runs, pass/fail policies, baselines,
CI outputs (JSON, JUnit XML). Pure: the standard library only (tomli on Python 3.10), no torch, no numpy, no scipy.

* :func:`compare` matches two runs' measurements by tag and tests each change on the raw per-iteration seconds
  with a two-sided Mann-Whitney U test (normal approximation, tie and continuity correction, as
  ``scipy.stats.mannwhitneyu(method="asymptotic")``). A change is "faster"/"slower" only when it is significant
  (p < alpha) *and* larger than the noise (the larger IQR/median of the two runs); otherwise "not significant"
  (:func:`significant_change`, the one definition; the [baseline] check of a policy uses it too).
* :func:`load_policy` reads a ``lab.toml`` strictly; :func:`evaluate_policy` runs every check it enables over
  one or more runs and returns a :class:`PolicyReport` (outcomes and an exit code). ``tpp bench --policy`` uses it.
  No check passes on missing data: a run that did not finish fails ``completed``; a measurement the baseline, the
  node's peers or a datasheet limit has and the run lacks fails (or is skipped with ``missing = "skip"``); no
  baseline fails unless ``[baseline] required = false``; a check with nothing to look at is a skip.
* :class:`BaselineStore` keeps one golden run per device model in a directory (``$TPP_BASELINES``, default
  ``~/.local/share/tpp/baselines``); it refuses an interrupted or unfinished run unless told otherwise.

Boundary convention of every limit: a drop *equal* to the limit passes, anything larger fails (5% drop with
``max_drop_pct = 5`` passes, 5.01% fails); a fraction equal to ``min_fraction`` passes. Drops and fractions are
rounded to 9 decimals before the comparison so that 3.0 -> 2.85 counts as exactly 5%.

Modules: ``stats``, ``results`` (result files), ``compare``, ``policy`` (parsing, the checks), ``outcomes``,
``baseline_check``, ``baselines`` (the store), ``junit``. Files are written by :func:`tpp.files.write_atomic`.
"""

from tpp.lab.baselines import BaselineStore, default_baseline_dir, slug
from tpp.lab.compare import Comparison, compare
from tpp.lab.junit import junit_xml, write_junit
from tpp.lab.policy import (
                            PRECISION_KEYS,
                            THROTTLING,
                            BaselinePolicy,
                            Outcome,
                            Policy,
                            PolicyReport,
                            evaluate_policy,
                            load_policy,
                            parse_policy,
                            peer_outcomes,
)
from tpp.lab.results import (
                            DeviceMismatchError,
                            check_doc,
                            describe,
                            device_model,
                            expand,
                            gpu_id,
                            incomplete_reasons,
                            is_group,
                            is_measured,
                            load_file,
                            load_run,
                            load_runs,
                            pick_rank,
)
from tpp.lab.stats import MIN_SAMPLES, iqr_over_median, mann_whitney_u, significant_change

__all__ = ["mann_whitney_u", "iqr_over_median", "significant_change", "compare", "Comparison", "load_file",
           "load_run", "load_runs", "pick_rank", "is_group", "expand", "check_doc", "device_model", "describe",
           "gpu_id", "is_measured", "incomplete_reasons", "DeviceMismatchError", "Policy", "BaselinePolicy",
           "load_policy", "parse_policy", "evaluate_policy", "PolicyReport", "Outcome", "peer_outcomes",
           "BaselineStore", "default_baseline_dir", "slug", "junit_xml", "write_junit", "MIN_SAMPLES",
           "PRECISION_KEYS", "THROTTLING"]
