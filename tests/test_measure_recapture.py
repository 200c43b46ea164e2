"""Capture–recapture models checked against published worked examples.

Reference figures are the outputs documented for R's Rcapture package (its shipped
example transcript and its tests reproducing Seber 1982, Cormack et al. 2000).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from wildtrace.errors import InputError
from wildtrace.measure.histories import read_histories
from wildtrace.measure.recapture import (
    MODEL_NAMES,
    all_histories,
    closed_population,
    fit_one,
    from_histories,
    summary,
)
from wildtrace.measure.recapture_classic import chapman, jolly_seber, lincoln_petersen, schnabel

# Snowshoe hares (Cormack 1989), 6 occasions, 68 animals. Rcapture documents the
# frequency statistics f_i = 25,22,13,5,1,2; first captures u_i = 16,24,9,9,6,4; last
# captures v_i = 3,6,6,9,12,32; n_i = 16,28,20,26,23,32. This table (in all_histories(6)
# order) has exactly those margins; they are the sufficient statistics of all twelve
# models, so abundance, standard error, df and the profile interval must reproduce
# Rcapture's, and deviances must differ from its by one constant (the saturated term).
HARE = [2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6,
        0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 6, 0, 0, 6, 3, 0, 1, 1, 6, 1, 0, 0, 0, 0, 0, 8, 0, 0, 3,
        0, 6, 0, 6, 4]
# closedp.t(hare): abundance, stderr, deviance, df
RCAPTURE_HARE = {
    "M0": (75.4, 3.5, 68.516, 61), "Mt": (75.1, 3.4, 58.314, 56),
    "Mh Chao": (79.8, 6.4, 58.023, 58), "Mh Poisson2": (81.5, 5.7, 59.107, 60),
    "Mh Darroch": (90.4, 11.6, 61.600, 60), "Mh Gamma3.5": (100.6, 21.7, 62.771, 60),
    "Mth Chao": (79.6, 6.3, 47.115, 52), "Mth Poisson2": (81.1, 5.6, 48.137, 55),
    "Mth Darroch": (90.5, 11.7, 50.706, 55), "Mth Gamma3.5": (101.6, 22.4, 51.956, 55),
    "Mb": (81.1, 8.3, 67.027, 60), "Mbh": (74.2, 14.6, 63.257, 59),
}


@pytest.fixture(scope="module")
def hare_results() -> dict[str, object]:
    data = from_histories(all_histories(6), freq=HARE)
    assert data.n == 68
    return {r.model: r for r in closed_population(data)}


def test_hare_matches_rcapture(hare_results: dict[str, object]) -> None:
    offsets = []
    for name, (n_hat, se, dev, df) in RCAPTURE_HARE.items():
        r = hare_results[name]
        assert r.error is None, name
        assert round(r.abundance, 1) == pytest.approx(n_hat, abs=0.051), name
        if name != "Mbh":
            assert round(r.stderr, 1) == pytest.approx(se, abs=0.051), name
        assert r.df == df, name
        offsets.append(r.deviance - dev)
    # Same sufficient statistics: deviances differ from Rcapture's by one constant.
    assert max(offsets) - min(offsets) < 2e-3


def test_mbh_stderr_is_the_full_delta_method(hare_results: dict[str, object]) -> None:
    # Rcapture prints 14.6: its gradient for the recapture coefficient omits the factor
    # (1 + e^{η+β1}/D) of d N/d β2. The exact delta method gives a smaller value.
    r = hare_results["Mbh"]
    assert 4.0 < r.stderr < 5.5


def test_hare_profile_interval(hare_results: dict[str, object]) -> None:
    # closedpCI.t(hare, m="Mth", h="Poisson"): multinomial 80.1, 95% CI 71.8 – 93.8
    r = hare_results["Mth Poisson2"]
    assert round(r.ci_estimate, 1) == 80.1
    assert round(r.ci_low, 1) == 71.8 and round(r.ci_high, 1) == 93.8


def test_two_occasions_seber() -> None:
    # Seber (1982) p.107 via closedp.t: M0, Mt, Mb only.
    data = from_histories([[1, 1], [1, 0], [0, 1]], freq=[167, 781, 254])
    res = {r.model: r for r in closed_population(data)}
    m0, mt, mb = res["M0"], res["Mt"], res["Mb"]
    assert (round(m0.abundance, 1), round(m0.stderr, 1), round(m0.deviance, 3), m0.df,
            round(m0.aic, 3)) == (2805.6, 164.1, 281.334, 1, 308.166)
    assert (round(mt.abundance, 1), round(mt.stderr, 1), round(mt.aic, 3)) == \
        (2389.9, 130.4, 28.831)
    assert (round(mb.abundance, 1), round(mb.stderr, 1)) == (1295.0, 17.3)
    assert "2 occasions" in (res["Mh Chao"].error or "")
    lp, ch = lincoln_petersen(948, 421, 167), chapman(948, 421, 167)
    assert round(lp.abundance, 1) == 2389.9 and round(lp.stderr, 1) == 130.4
    assert round(ch.abundance, 1) == 2382.8 and round(ch.stderr, 1) == 129.1  # closedp.bc


def test_cormack_lists_mt_and_interval() -> None:
    # Cormack, Chang and Smith (2000) Table 3b / 3a, as reproduced by Rcapture's tests.
    three = from_histories(all_histories(3), freq=[72, 5, 29, 54, 24, 3, 14])
    r = fit_one("Mt", three)
    assert (round(r.abundance), round(r.deviance, 1), r.df) == (209, 75.1, 3)
    assert (round(r.ci_low), round(r.ci_high)) == (203, 217)
    four = from_histories(all_histories(4),
                          freq=[72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2])
    r4 = fit_one("Mt", four, ci=False)
    assert (round(r4.abundance), round(r4.deviance, 1), r4.df) == (215, 87.1, 10)


def test_schnabel_and_jolly_seber_recover_simulated_truth() -> None:
    rng = np.random.default_rng(7)
    closed = rng.random((400, 6)) < 0.3
    closed = closed[closed.any(axis=1)]
    s = schnabel(closed)
    assert abs(s.abundance - 400) < 3 * s.stderr
    # Open population: 300 sellers, 80% stay active per occasion, 60 newcomers each time.
    k, active, nxt, hist = 8, set(range(300)), 300, {}
    for i in range(k):
        if i:
            active = {a for a in active if rng.random() < 0.8} | set(range(nxt, nxt + 60))
            nxt += 60
        for a in active:
            if rng.random() < 0.5:
                hist.setdefault(a, [0] * k)[i] = 1
    est = jolly_seber(np.array(list(hist.values())))
    assert est[0].abundance is None and est[-1].abundance is None
    survivals = [o.survival for o in est if o.survival is not None]
    assert abs(float(np.mean(survivals)) - 0.8) < 0.06
    mid = [o.abundance for o in est[1:-1]]
    assert all(o is not None and 240 < o < 400 for o in mid)


def test_json_contract_and_failed_model_reported() -> None:
    # All captured on every occasion but a few: heterogeneity fits diverge, yet M0 works.
    rows = [[1, 1, 1]] * 30 + [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    data = from_histories(rows)
    doc = summary(data, closed_population(data, ci=False))
    assert doc["n_captured"] == 33
    names = [m["model"] for m in doc["models"]]
    assert names == list(MODEL_NAMES)
    m0 = doc["models"][0]
    assert {"model", "abundance", "stderr", "deviance", "df", "aic"} <= set(m0)
    assert m0["abundance"] is not None and math.isfinite(m0["abundance"])
    failed = [m for m in doc["models"] if m.get("error")]
    assert failed and all(m["abundance"] is None for m in failed)
    assert any("unbounded" in m["error"] for m in failed)


def test_bad_input_messages(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("id,c1,c2,c3\na,1,0,1\nb,1,2,0\n")
    with pytest.raises(InputError, match=r"h\.csv:3: value '2' in occasion 2"):
        read_histories(f)
    f.write_text("1,0,0\n1,0,0\n0,1,0\n")
    with pytest.raises(InputError, match="occasion 3 has no capture"):
        read_histories(f)
    f.write_text("1,0,1\n1,0,0\n0,0,1\n")
    with pytest.raises(InputError, match="occasion 2 has no capture"):
        read_histories(f)
    f.write_text("1,1,0\n0,0,0\n")
    with pytest.raises(InputError, match=r"h\.csv:2: a history with no capture"):
        read_histories(f)
    f.write_text("1,0,0\n0,1,0\n0,0,1\n")
    with pytest.raises(InputError, match="too few recaptures"):
        read_histories(f)
    f.write_text("1,1\n1,0,1\n")
    with pytest.raises(InputError, match=r"h\.csv:2: 3 occasions"):
        read_histories(f)


def test_reader_formats(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("c1;c2;freq\n1;1;167\n1;0;781\n0;1;254\n")
    data = read_histories(f, freq=True)
    assert data.n == 1202 and data.t == 2
    g = tmp_path / "g.tsv"
    g.write_text("seller\tw1\tw2\tw3\nx\t1\t1\t0\ny\t0\t1\t1\nz\t1\t0\t0\n")
    assert read_histories(g).n == 3


def test_frequency_form_matches_full_table_and_handles_many_occasions() -> None:
    from wildtrace.measure.recapture import by_frequency

    full = from_histories(all_histories(6), freq=HARE)
    agg = by_frequency(full)
    assert agg.counts.tolist() == [25, 22, 13, 5, 1, 2]
    for name in ("M0", "Mh Chao", "Mh Poisson2", "Mh Darroch", "Mh Gamma3.5"):
        a, b = fit_one(name, full, ci=False), fit_one(name, agg, ci=False)
        assert a.abundance == pytest.approx(b.abundance, rel=1e-6), name
        assert a.stderr == pytest.approx(b.stderr, rel=1e-5), name
    rng = np.random.default_rng(5)
    caps = rng.random((300, 30)) < rng.beta(1, 6, size=300)[:, None]
    many = from_histories(caps[caps.any(axis=1)].astype(int))
    res = {r.model: r for r in closed_population(many)}
    assert res["M0"].error is None and res["Mh Darroch"].ci_low is not None
    assert 200 < res["Mh Chao"].abundance < 500
    assert "full table" in (res["Mt"].error or "")


def test_cli_json_contract_and_bad_input(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from wildtrace.cli import main

    f = tmp_path / "seber.csv"
    f.write_text("c1,c2,freq\n1,1,167\n1,0,781\n0,1,254\n")
    runner = CliRunner()
    base = ["--workspace", str(tmp_path / "ws")]
    res = runner.invoke(main, [*base, "recapture", str(f), "--freq", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["n_captured"] == 1202
    m0 = doc["models"][0]
    assert m0["model"] == "M0" and round(m0["abundance"], 1) == 2805.6
    assert {"stderr", "deviance", "df", "aic"} <= set(m0)
    assert round(doc["classic"]["chapman"]["abundance"], 1) == 2382.8
    bad = tmp_path / "bad.csv"
    bad.write_text("1,0\n1,x\n")
    res = runner.invoke(main, [*base, "recapture", str(bad)])
    assert res.exit_code == 1 and "bad.csv:2: value 'x' in occasion 2" in res.output


def test_list_dependence_models_match_rivest_2011() -> None:
    # Diabetes data of Bruno et al. (1994), 4 lists, with the interaction set chosen in
    # Rivest (2011); figures as reproduced by Rcapture's tests (N, s.e., deviance, df).
    diabetes = from_histories(all_histories(4), freq=[58, 157, 18, 104, 46, 650, 12, 709,
                                                      14, 20, 7, 74, 8, 182, 10])
    inter = ((1, 3), (2, 4), (3, 4))
    expected = {"Mt": (2472, 53, 21.97, 7), "Mth Chao": (2588, 75, 3.13, 6),
                "Mth Poisson2": (2573, 76, 12.88, 6), "Mth Darroch": (2752, 133, 8.32, 6),
                "Mth Gamma3.5": (2964, 219, 6.74, 6)}
    for model, (n_hat, se, dev, df) in expected.items():
        r = fit_one(model, diabetes, ci=False, interactions=inter)
        assert (round(r.abundance), round(r.stderr), round(r.deviance, 2), r.df) == \
            (n_hat, se, dev, df), model
    # Darroch et al. (1993) R3 data, 3 lists.
    r3 = from_histories(all_histories(3), freq=[72, 155, 7, 71, 13, 53, 43])
    two = fit_one("Mt", r3, ci=False, interactions=((1, 2), (2, 3)))
    assert (round(two.abundance), round(two.stderr), round(two.deviance, 1), two.df) == \
        (850, 186, 3.8, 1)
    lb = fit_one("Mth Chao", r3, ci=False, interactions=((1, 2),))
    assert (round(lb.abundance), round(lb.stderr), round(lb.deviance, 2), lb.df) == \
        (681, 78, 3.45, 1)
    dar = fit_one("Mth Darroch", r3, ci=False, interactions=((1, 2),))
    assert (round(dar.abundance, 1), round(dar.stderr, 1)) == (1181.8, 404.2)


def test_jolly_seber_matches_pollock_1990_gray_squirrels() -> None:
    from wildtrace.measure.recapture_classic import jolly_seber_summary

    # Pollock et al. (1990) Table 4.3 (summary statistics) and Table 4.4 (estimates, as
    # transcribed in the tests of R's FSA package).
    n = [46, 46, 48, 46, 51, 37, 41, 42, 47, 31, 8, 2, 1, 4, 9, 19, 19, 27, 36, 45, 74, 22, 3]
    m = [0, 42, 42, 42, 46, 37, 41, 39, 43, 26, 7, 2, 0, 3, 8, 17, 14, 20, 36, 34, 46, 20, 2]
    R = [46, 46, 48, 46, 50, 37, 41, 42, 47, 31, 8, 2, 1, 4, 9, 18, 19, 27, 36, 44, 73, 22, 2]
    r = [43, 44, 48, 45, 46, 35, 40, 37, 40, 26, 8, 2, 1, 3, 8, 17, 18, 24, 32, 33, 15, 2, 0]
    z = [0, 1, 3, 9, 8, 17, 11, 12, 6, 20, 39, 45, 47, 45, 40, 31, 34, 32, 20, 18, 5, 0, 0]
    N = [None, 47.1, 51.3, 56.0, 60.5, 54.9, 52.3, 56.5, 54.6, 58.9, 51.8, None, None, None,
         58.3, 55.3, 66.4, 74.5, 58.4, 76.0, 110.3, 21.9, None]
    phi = [0.94, 0.96, 1.00, 0.99, 0.94, 0.95, None, 0.90, 0.92, 0.84, 1.00, None, None, None,
           0.93, 0.98, None, 0.93, 0.99, None, 0.21, None, None]  # None: truncated at 1
    B = [None, 6.3, 4.5, 5.1, None, 0.0, 3.9, 3.7, 8.7, 2.2, None, None, None, None, 1.0,
         13.1, 6.8, None, 18.2, 33.9, None, None, None]  # None: truncated at 0 / not given
    est = jolly_seber_summary(n, m, R, r, z, bias_adjusted=True)
    for i, o in enumerate(est):
        if N[i] is not None:
            # Pollock rounded intermediate values: agreement is to within 0.1.
            assert o.abundance is not None and abs(round(o.abundance, 1) - N[i]) <= 0.1001, i + 1
        if phi[i] is not None:
            assert o.survival is not None and round(o.survival, 2) == phi[i], i + 1
        if B[i] is not None:
            assert o.births is not None and round(o.births, 1) == B[i], i + 1
