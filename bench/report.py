"""The results: bench/results.json, and the Markdown table in bench/results.md."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bench.environment import ROOT
from bench.hard_queries import TARGET_P95_MS
from bench.pages import table_rows

RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_MD = ROOT / "bench" / "results.md"


def markdown(results: dict) -> str:
    corpus = results["corpus"]
    inputs = results["inputs"]
    lines = [
        f"### {corpus['n']:,} articles — commit {results['commit']} — {results['date']}",
        "",
        "| page | ours p50 | ours p95 | queries | baseline p50 | baseline p95 | baseline queries "
        "| ratio p50 | ratio p95 | target p95 | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for key, label, target in table_rows():
        ours = results.get("pages", {}).get(key)
        base = results.get("baseline", {}).get(key.removesuffix("_cold"))
        if not ours:
            continue
        p95 = ours["p95_ms"]
        p50 = ours["p50_ms"]
        if key == "csv":
            p50, p95 = ours.get("first_row_p50_ms", p50), ours.get("first_row_p95_ms", p95)
            cells = [f"{p50:.0f} / {ours['p50_ms']:.0f}", f"{p95:.0f} / {ours['p95_ms']:.0f}"]
        else:
            cells = [f"{p50:.1f}", f"{p95:.1f}"]
        row = [label, *cells, str(ours["queries"])]
        if base:
            b50, b95 = base["p50_ms"], base["p95_ms"]
            if key == "csv":
                b50 = base.get("first_row_p50_ms", b50)
                b95 = base.get("first_row_p95_ms", b95)
                row += [f"{b50:.0f} / {base['p50_ms']:.0f}", f"{b95:.0f} / {base['p95_ms']:.0f}"]
            else:
                row += [f"{b50:.1f}", f"{b95:.1f}"]
            note = "" if base["requests"] >= results["requests"] else f" (n={base['requests']})"
            row[-1] += note
            row += [str(base["queries"]), f"{b50 / p50:.1f}×", f"{b95 / p95:.1f}×"]
        else:
            row += ["–", "–", "–", "–", "–"]
        row += [f"≤ {target} ms" if target else "–", _met(p95, target)]
        lines.append("| " + " | ".join(row) + " |")
    hard = results.get("hard_queries")
    if hard and "p95_ms" in hard:
        base = hard.get("baseline")
        slowest = hard["slowest"]
        cells = (
            [f"{base['p50_ms']:.1f}", f"{base['p95_ms']:.1f} (n={base['requests']})", "–"]
            + [f"{base['p50_ms'] / hard['p50_ms']:.1f}×", f"{base['p95_ms'] / hard['p95_ms']:.1f}×"]
            if base
            else ["–"] * 5
        )
        lines.append(
            f"| hard queries, cold ({len(hard['queries'])}; slowest {slowest['ms']:.0f} ms: "
            f"{slowest['kind']} “{slowest['q']}”) | {hard['p50_ms']:.1f} | {hard['p95_ms']:.1f} "
            f"| – | " + " | ".join(cells) + f" | ≤ {TARGET_P95_MS} ms | "
            f"{_met(hard['p95_ms'], TARGET_P95_MS)} |"
        )
    throughput = results.get("throughput", {})
    for key, label, target in (
        ("detail_rendered", "gunicorn detail pages rendered on every request", None),
        ("detail", "gunicorn detail pages (cached)", 300),
        ("list", "gunicorn list page", None),
    ):  # noqa: E501
        figure = throughput.get(key)
        if isinstance(figure, dict):
            met = (
                "–"
                if target is None
                else (
                    "yes"
                    if figure["requests_per_second"] >= target and figure["errors"] == 0
                    else "no"
                )
            )  # noqa: E501
            lines.append(
                f"| {label} (wrk, {throughput['connections']} connections, "
                f"{throughput['duration_s']} s; gunicorn {throughput['workers']} workers × "
                f"{throughput.get('threads', 1)} threads) | "
                f"{figure['requests_per_second']:.0f} req/s | "
                f"{figure['errors']} errors | | | | | | | "
                f"{'≥ 300 req/s, 0 errors' if target else '–'} | {met} |"
            )
    imported = results.get("import")
    if imported and "records_per_second" in imported:
        rate = imported["records_per_second"]
        lines.append(
            f"| import ({imported['records']:,} records, end to end, to the commit) | "
            f"{rate:.0f} records/s | | | | | | | | ≥ 500 records/s | "
            f"{'yes' if rate >= 500 else 'no'} |"
        )
        if "merge_job_seconds" in imported:
            lines.append(
                f"| import, with the job that merges the search indexes' pending entries "
                f"({imported['merge_job_seconds']:.1f} s) | "
                f"{imported['records_per_second_with_merge']:.0f} records/s | | | | | | | | – | – |"
            )
        for variant, floor in imported.get("postgresql_alone", {}).items():
            to_commit = floor.get("records_per_second_to_commit")
            lines.append(
                f"| import: PostgreSQL alone, the same rows by COPY ({variant}) | "
                f"{floor['records_per_second']:,} records/s"
                + (f" ({to_commit:,} to the commit)" if to_commit else "")
                + " | | | | | | | | – | – |"
            )
    for key in ("pages", "hard_queries", "baseline", "throughput", "import", "first_request"):
        section = results.get(key)
        if isinstance(section, dict) and ("error" in section or "skipped" in section):
            lines.append(f"\n**{key}: not measured**: {section.get('error') or section['skipped']}")
    lines += [
        "",
        f"Data: {inputs['articles']:,} articles (seed {corpus['seed']}"
        + (
            f"; {corpus['n'] // corpus['copies']:,} generated, each copied {corpus['copies']}×"
            if corpus.get("copies", 1) > 1
            else ""
        )
        + "). Filters: "
        f"`{'&'.join(k + '=' + v for k, v in inputs['filters'])}` "
        f"({inputs['filtered_articles']:,} articles); largest company "
        f"`{inputs['largest_company']}` ({inputs['largest_company_articles']:,} articles); "
        f"common term “{inputs['common_term']}” ({inputs['common_fraction']:.1%} of articles); "
        f"rare term “{inputs['rare_term']}” ({inputs['rare_articles']} article"
        f"{'' if inputs['rare_articles'] == 1 else 's'}); CSV "
        f"`{urlencode(inputs['csv_params']) or '(no filter)'}` ({inputs['csv_rows']:,} rows). "
        f"Times in ms through the whole Django stack (test Client, DEBUG off); p50/p95 over "
        f"{results['requests']} requests (nearest rank). CSV: time to the first data row / "
        f"to the last byte. Ratio = baseline / ours. Baseline: no warm-up request; "
        f"each page stops after its time budget "
        f"({results.get('baseline_budget_s', '–')} s), n = requests timed when fewer.",
    ]
    lines += first_request_lines(results.get("first_request"))
    return "\n".join(lines) + "\n"


FIRST_REQUEST_LABELS = {
    "home": "home page",
    "list": "list, no filter",
    "company": "largest company's page",
    "list_company": "list filtered by the largest company",
}


def first_request_lines(figure: dict | None) -> list[str]:
    """The first request after an import, cold and warmed (bench/first_request.py)."""
    if not figure or "pages" not in figure:
        return []
    warm = figure["warm_pages"]
    lines = [
        "",
        f"First request after an import ({figure['records']:,} records; median of "
        f"{figure['repetitions']} imports each):",
        "",
        "| page | cold ms | cold queries | warmed ms | warmed queries | cold / warmed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, row in figure["pages"].items():
        ratio = f"{row['ratio']:.1f}×" if row["ratio"] else "–"
        lines.append(
            f"| first request after an import: {FIRST_REQUEST_LABELS.get(key, key)} | "
            f"{row['cold_ms']:.1f} | {row['cold_queries']:.0f} | {row['warmed_ms']:.1f} | "
            f"{row['warmed_queries']:.0f} | {ratio} |"
        )
    lines += [
        "",
        f"Warming (`warm_pages`, the job's defaults): {warm['requests']:.0f} requests in "
        f"{warm['seconds']:.1f} s (median), statuses {warm['statuses']}"
        + (f", {warm['not_reached']} not reached in the time budget" if warm["not_reached"] else "")
        + ".",
    ]
    return lines


def _met(p95: float, target: int | None) -> str:
    if target is None:
        return "–"
    return "yes" if p95 <= target else "no"


def save(results: dict) -> str:
    table = markdown(results)
    RESULTS_JSON.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    RESULTS_MD.write_text(table, encoding="utf-8")
    return table
