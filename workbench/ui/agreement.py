"""Display helpers for the Enighet page: the agreement table and its colour scale."""

from __future__ import annotations

import pandas as pd

from .format import agreement_figure, count_text, percent

# (upper bound, band name, background colour): kappa/alpha below 0.4, 0.4-0.6, 0.6-0.8, above 0.8
# Colour bands per statistic. Kappa: the usual reading (Landis & Koch 1977, as Altman 1991 groups
# it). Alpha: Krippendorff's own guideline (2004, 2019): rely on alpha >= 0.800, draw tentative
# conclusions from 0.667, below that the data are not reliable enough.
BANDS = {
    "kappa": [(0.4, "svak", "#f4c7c3"), (0.6, "moderat", "#fce8b2"), (0.8, "god", "#d9ead3"),
              (float("inf"), "svært god", "#93c47d")],
    "alpha": [(0.667, "for lav", "#f4c7c3"), (0.8, "foreløpig", "#fce8b2"), (float("inf"), "god", "#93c47d")],
}
COLUMNS = {"label": "Kode", "code": "Kode-ID", "units": "Enheter", "percent": "Prosent enige",
           "kappa": "Kappa", "alpha": "Alfa"}


def band(value, statistic: str = "kappa") -> tuple[str, str] | None:
    """(name, colour) of a kappa or alpha value (``statistic`` "kappa" or "alpha": their bands
    differ, :data:`BANDS`); None when the figure is undefined."""
    if value is None or pd.isna(value):
        return None
    for upper, name, colour in BANDS[statistic]:
        if float(value) < upper:
            return name, colour
    return None  # pragma: no cover


def figure_text(value) -> str:
    """Kappa or alpha as the page shows it: three decimals, decimal comma ("0,889"); "–" undefined;
    never "1,000" short of 1 ("> 0,999", ``format.agreement_figure``)."""
    return agreement_figure(value)


def bound_text(value: float) -> str:
    """A band boundary with a decimal comma: "0,4"."""
    return f"{value:g}".replace(".", ",")


def band_legend(statistic: str = "kappa") -> str:
    """The colour bands of ``statistic`` in words: kappa "svak (< 0,4) · moderat (0,4–0,6) · god
    (0,6–0,8) · svært god (≥ 0,8)", alpha "for lav (< 0,667) · foreløpig (0,667–0,8) · god (≥ 0,8)"."""
    parts, lower = [], None
    for upper, name, _ in BANDS[statistic]:
        if lower is None:
            parts.append(f"{name} (< {bound_text(upper)})")
        elif upper == float("inf"):
            parts.append(f"{name} (≥ {bound_text(lower)})")
        else:
            parts.append(f"{name} ({bound_text(lower)}–{bound_text(upper)})")
        lower = upper
    return " · ".join(parts)


def legend_text(n_coders: int) -> str:
    """The page's line on colours: the bands of the figures its table shows (kappa only for two
    coders; alpha always)."""
    alpha = f"alfa: {band_legend('alpha')} (Krippendorffs retningslinje)"
    return f"kappa: {band_legend('kappa')}; {alpha}" if n_coders == 2 else alpha


def agreement_frame(result: dict) -> pd.DataFrame:
    """One row per code plus a first row "Alle koder" (overall), Norwegian headings.

    The "Nivå" column names the band of kappa (two coders) or alpha (more coders)."""
    rows = [{"label": "Alle koder", "code": "", **result["overall"]}] + list(result["codes"])
    df = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    key = "kappa" if len(result["coders"]) == 2 else "alpha"
    df["Nivå"] = [(band(v, key) or ("udefinert", ""))[0] for v in df[key]]
    df = df.rename(columns=COLUMNS)
    if len(result["coders"]) != 2:
        df = df.drop(columns=["Kappa"])
    return df


def styled(df: pd.DataFrame):
    """The table with the kappa/alpha cells coloured by band (a pandas Styler for st.dataframe),
    the figures as Norwegian text: "99,2 %", "0,889", "20 085" (the data stay numbers)."""
    cols = [c for c in ("Kappa", "Alfa") if c in df.columns]

    def colour(statistic):
        def cell(v):
            b = band(v, statistic)
            return f"background-color: {b[1]}" if b else ""
        return cell

    formats = {c: figure_text for c in cols}
    formats.update({"Prosent enige": percent, "Enheter": count_text})
    style = df.style
    for c in cols:
        style = style.map(colour("kappa" if c == "Kappa" else "alpha"), subset=[c])
    return style.format(formats, na_rep="–")


def _version_words(code_set: dict) -> str:
    """«liten», versjon 2, lastet 07.12.2025."""
    if code_set.get("version") is None:
        return "kodeboka"
    name = f"«{code_set['name']}», " if code_set.get("name") else ""
    loaded = code_set.get("loaded") or code_set.get("created_at")
    when = ""
    if loaded:
        import datetime as dt

        stamp = loaded if isinstance(loaded, dt.datetime) else dt.datetime.fromisoformat(str(loaded))
        when = f", lastet {stamp:%d.%m.%Y}"
    return f"{name}versjon {code_set['version']}{when}"


def code_set_text(code_set: dict, *, cli: bool = False) -> str:
    """The code set an agreement figure is of, one line: "Kodesett: 5 kodbare koder i kodeboka
    «liten», versjon 1, lastet 07.12.2025 (låst: koder lagt til senere er ikke med)." or
    "Kodesett: 6 aktive koder nå (kodeboka «liten», versjon 2, lastet ...)." (a version is named
    only when its codable codes are exactly those compared). When no loaded version has exactly the
    active codes (``code_set["differs"]``, after ``codebook merge``), it says so, how the newest
    version differs, and how to get a version to lock the set to (``cli``: with the commands)."""
    from .format import count_noun, name_list

    n = code_set["codes"]
    if code_set.get("pinned"):
        return (f"Kodesett: {count_noun(n, 'kodbar kode', 'kodbare koder')} i kodeboka "
                f"{_version_words(code_set)} (låst: koder lagt til senere er ikke med).")
    active = count_noun(n, 'aktiv kode', 'aktive koder')
    if code_set.get("version") is not None:
        return f"Kodesett: {active} nå (kodeboka {_version_words(code_set)})."
    differs = code_set.get("differs")
    if not differs:
        return f"Kodesett: {active} nå (ingen kodebokversjon er lastet)."
    how = []
    if differs.get("not_compared"):
        how.append(f"har også {name_list(differs['not_compared'])}, slått sammen eller pensjonert siden")
    if differs.get("not_in_version"):
        how.append(f"har ikke {name_list(differs['not_in_version'])}")
    gone = differs.get("not_compared") or []
    fix = (f"fjern {name_list(gone)} fra kodebokfila og last den inn på nytt" if gone and not differs.get("not_in_version")
           else "last inn kodebokfila på nytt med akkurat disse kodene")
    lock = (" (`workbench codebook load FIL`), og lås tallet med --codebook-version og den nye versjonen"
            if cli else "; da får kodesettet en egen versjon")
    return (f"Kodesett: {active} nå; ingen lastet kodebokversjon har akkurat disse kodene (kodeboka "
            f"{_version_words(differs)}, {' og '.join(how)}), så ingen versjon gir dette tallet. "
            f"For å kunne låse kodesettet: {fix}{lock}.")


def unused_text(code_set: dict) -> str:
    """The codes of the set that none of the coders used in the units, one line ("" when none):
    they count as agreement on absence in the pooled figure."""
    unused = code_set.get("unused") or []
    if not unused:
        return ""
    from .format import name_list

    n, total = len(unused), code_set["codes"]
    return (f"{n} av {total} koder er ikke brukt av noen av koderne i disse enhetene ({name_list(unused)}); "
            f"{'den' if n == 1 else 'de'} teller som enighet om at koden ikke er der, i «Samlet»/«Alle koder».")


def version_label(code_set: dict) -> str:
    """A codebook version in the Enighet page's "Kodesett" list: "«liten», versjon 1, lastet
    07.12.2025 (5 koder)"."""
    from .format import count_noun

    return f"{_version_words(code_set)} ({count_noun(code_set['codes'], 'kode', 'koder')})"


def active_set_label(code_sets: list[dict]) -> str:
    """The Enighet page's "Kodesett" choice for the codes active now (``agreement_code_sets``):
    "Aktive koder nå («liten», versjon 2, lastet 07.12.2025 (6 koder))" when a loaded version has
    exactly those codes, else "Aktive koder nå (ingen lastet versjon har akkurat disse)"."""
    active = next((c for c in code_sets if c.get("active")), None)
    return f"Aktive koder nå ({version_label(active) if active else 'ingen lastet versjon har akkurat disse'})"
