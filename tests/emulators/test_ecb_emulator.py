"""The ECB files and Frankfurter v1 emulator against api-contracts §1.5, §7.1, §7.2 and §9."""

from __future__ import annotations

import errno
import io
import socket
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from email.utils import parsedate_to_datetime

import pytest
import requests

from generator.emulators.ecb.rates import ECB_COLUMNS, RateHistory, RateSpec, build_rates, format_rate, rate_on
from generator.emulators.ecb.server import EUROFXREF_NS, GESMES_NS, ECBEmulator

TIMEOUT = 5
REAL_HEADER = ("Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,HUF,LTL,LVL,MTL,PLN,ROL,RON,SEK,SIT,SKK,CHF,ISK,NOK,HRK,RUB,"
               "TRL,TRY,AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN,MYR,NZD,PHP,SGD,THB,ZAR,")
NS = {"gesmes": GESMES_NS, "ecb": EUROFXREF_NS}

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def history() -> RateHistory:
    return build_rates()


@pytest.fixture(scope="module")
def emu(history: RateHistory) -> Iterator[ECBEmulator]:
    with ECBEmulator(history) as emulator:
        yield emulator


def get(emu: ECBEmulator, name: str, **kwargs: object) -> requests.Response:
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.get(f"{emu.ecb_url}/{name}", **kwargs)


def fx(emu: ECBEmulator, path: str, **params: str) -> requests.Response:
    return requests.get(f"{emu.frankfurter_url}/{path}", params=params, timeout=TIMEOUT)


def parse_csv(text: str) -> tuple[list[str], list[tuple[date, dict[str, str]]]]:
    """Parse by header name, as the clients must (the trailing comma yields an empty last column)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    assert header[-1] == ""
    rows = []
    for line in lines[1:]:
        cells = line.split(",")
        assert len(cells) == len(header) and cells[-1] == ""
        rows.append((date.fromisoformat(cells[0]), dict(zip(header[1:-1], cells[1:-1], strict=True))))
    return header[1:-1], rows


def parse_xml(body: bytes) -> list[tuple[date, dict[str, str]]]:
    root = ET.fromstring(body)
    assert root.tag == f"{{{GESMES_NS}}}Envelope"
    assert root.find("gesmes:subject", NS).text == "Reference rates"
    assert root.find("gesmes:Sender/gesmes:name", NS).text == "European Central Bank"
    return [(date.fromisoformat(day.get("time")), {c.get("currency"): c.get("rate") for c in day})
            for day in root.findall("ecb:Cube/ecb:Cube", NS)]


def quoted(history: RateHistory, day: date) -> dict[str, Decimal]:
    return {c: v for c, v in history.rates[day].items() if v is not None}


# ----------------------------------------------------------------------------- CSV and zip


def test_hist_csv_layout(emu: ECBEmulator, history: RateHistory) -> None:
    r = get(emu, "eurofxref-hist.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[0] == REAL_HEADER
    columns, rows = parse_csv(r.text)
    assert columns == list(ECB_COLUMNS)
    days = [d for d, _ in rows]
    assert days == history.days[::-1]  # newest first, every publication day once
    for day, cells in rows:
        for column in columns:
            value = rate_on(history, day, column) if column in history.currencies else None
            if value is None:
                assert cells[column] == "N/A", (day, column)
            else:
                assert Decimal(cells[column]) == value and cells[column] == format_rate(value, trim=True)
    by_day = dict(rows)
    assert by_day[date(2025, 12, 31)]["BGN"] == "1.9558" and by_day[date(2026, 1, 2)]["BGN"] == "N/A"
    assert by_day[date(2025, 3, 3)]["CYP"] == "N/A" and by_day[date(2025, 3, 3)]["RUB"] == "N/A"
    gap_days = [d for d in history.days if history.rates[d]["HUF"] is None]
    assert gap_days and all(by_day[d]["HUF"] == "N/A" for d in gap_days)


def test_hist_zip_holds_the_same_csv(emu: ECBEmulator) -> None:
    r = get(emu, "eurofxref-hist.zip")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert archive.namelist() == ["eurofxref-hist.csv"]
        payload = archive.read("eurofxref-hist.csv")
    assert payload == get(emu, "eurofxref-hist.csv").content
    assert get(emu, "eurofxref-hist.zip").content == r.content  # byte-identical between requests


def test_one_day_csv_zip(emu: ECBEmulator, history: RateHistory) -> None:
    with zipfile.ZipFile(io.BytesIO(get(emu, "eurofxref.zip").content)) as archive:
        text = archive.read("eurofxref.csv").decode()
    header, row = text.splitlines()
    assert header.startswith("Date, USD, JPY, BGN, CZK,") and header.endswith(", ")
    assert row.startswith("30 November 2026, ") and row.endswith(", ")
    cells = dict(zip(header.split(", ")[1:-1], row.split(", ")[1:-1], strict=True))
    assert cells["GBP"] == format_rate(history.rates[date(2026, 11, 30)]["GBP"]) and cells["BGN"] == "N/A"


def test_csv_column_options(history: RateHistory) -> None:
    with ECBEmulator(history, csv_columns="quoted", retired_columns="drop") as emu:
        columns, rows = parse_csv(get(emu, "eurofxref-hist.csv").text)
    assert columns == [c for c in ECB_COLUMNS if c in history.currencies and c != "BGN"]
    assert len(rows) == len(history.days)
    early = build_rates(RateSpec(end=date(2025, 12, 31)))
    with ECBEmulator(early, retired_columns="drop") as emu:
        columns, _ = parse_csv(get(emu, "eurofxref-hist.csv").text)
    assert "BGN" in columns  # dropped only once the history reaches the adoption day
    with pytest.raises(ValueError):
        ECBEmulator(history, retired_columns="hide")
    with pytest.raises(ValueError):
        ECBEmulator(history, csv_columns="all")


# ----------------------------------------------------------------------------- XML


def test_hist_xml_matches_history(emu: ECBEmulator, history: RateHistory) -> None:
    r = get(emu, "eurofxref-hist.xml")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/xml"
    days = parse_xml(r.content)
    assert [d for d, _ in days] == history.days[::-1]
    for day, rates in days:
        expected = quoted(history, day)
        assert list(rates) == [c for c in ECB_COLUMNS if c in expected]  # N/A currencies are left out
        assert {c: Decimal(v) for c, v in rates.items()} == expected
    by_day = dict(days)
    assert "BGN" in by_day[date(2025, 12, 31)] and "BGN" not in by_day[date(2026, 1, 2)]
    assert b"\n<Cube time=\"2026-11-30\">" in r.content


def test_hist_90d_xml(emu: ECBEmulator, history: RateHistory) -> None:
    days = [d for d, _ in parse_xml(get(emu, "eurofxref-hist-90d.xml").content)]
    assert days == [d for d in history.days[::-1] if (date(2026, 11, 30) - d).days < 90]
    assert 55 <= len(days) <= 66


def test_daily_xml_has_only_the_newest_day(emu: ECBEmulator, history: RateHistory) -> None:
    r = get(emu, "eurofxref-daily.xml")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/xml"
    text = r.text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<gesmes:Envelope xmlns:gesmes=')
    assert "<Cube time='2026-11-30'>" in text  # single-quoted attributes, as the ECB writes them
    newest = history.latest
    gbp = history.rates[newest]["GBP"]
    assert f"<Cube currency='GBP' rate='{format_rate(gbp)}'/>" in text  # fixed decimals in the daily file
    days = parse_xml(r.content)
    assert len(days) == 1 and days[0][0] == newest
    assert {c: Decimal(v) for c, v in days[0][1].items()} == quoted(history, newest)
    assert "BGN" not in days[0][1]


def test_last_modified_and_conditional_get(emu: ECBEmulator) -> None:
    r = get(emu, "eurofxref-daily.xml")
    stamp = parsedate_to_datetime(r.headers["Last-Modified"])
    assert stamp.isoformat() == "2026-11-30T15:00:00+00:00"  # 16:00 CET
    assert get(emu, "eurofxref-hist.zip", headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code == 304
    older = "Fri, 27 Nov 2026 15:00:00 GMT"
    assert get(emu, "eurofxref-hist.zip", headers={"If-Modified-Since": older}).status_code == 200
    assert get(emu, "eurofxref-hist.zip", headers={"If-Modified-Since": "garbage"}).status_code == 200


# ----------------------------------------------------------------------------- growth


def test_advance_and_extend_show_new_days() -> None:
    h = build_rates(RateSpec(end=date(2025, 3, 6)))
    with ECBEmulator(h) as emu:
        first = get(emu, "eurofxref-daily.xml")
        assert parse_xml(first.content)[0][0] == date(2025, 3, 6)
        assert h.advance(2) == [date(2025, 3, 7), date(2025, 3, 10)]
        assert parse_xml(get(emu, "eurofxref-daily.xml").content)[0][0] == date(2025, 3, 10)
        _, rows = parse_csv(get(emu, "eurofxref-hist.csv").text)
        assert [d for d, _ in rows[:3]] == [date(2025, 3, 10), date(2025, 3, 7), date(2025, 3, 6)]
        second = get(emu, "eurofxref-hist.zip", headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert second.status_code == 200 and second.headers["Last-Modified"] != first.headers["Last-Modified"]
        assert h.extend_to(date(2025, 3, 16)) == [date(2025, 3, 11 + n) for n in range(4)]
        days = [d for d, _ in parse_xml(get(emu, "eurofxref-hist.xml").content)]
        assert days[:5] == [date(2025, 3, 14), date(2025, 3, 13), date(2025, 3, 12), date(2025, 3, 11),
                            date(2025, 3, 10)]
        # Frankfurter's "today" is the end of the history: Sunday the 16th snaps back to Friday.
        assert fx(emu, "latest").json()["date"] == "2025-03-14"


# ----------------------------------------------------------------------------- Frankfurter v1


def test_frankfurter_day_snaps_back_over_weekends_and_holidays(emu: ECBEmulator, history: RateHistory) -> None:
    for asked in ("2025-04-18", "2025-04-19", "2025-04-21"):  # Good Friday, Saturday, Easter Monday
        r = fx(emu, asked, symbols="USD,GBP")
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json; charset=utf-8"
        body = r.json()
        assert body["date"] == "2025-04-17" and body["base"] == "EUR" and body["amount"] == 1.0
        assert set(body["rates"]) == {"USD", "GBP"}
    raw = fx(emu, "2025-04-17", symbols="USD").text
    assert f'"USD":{format_rate(history.rates[date(2025, 4, 17)]["USD"], trim=True)}' in raw
    assert fx(emu, "latest").json()["date"] == "2026-11-30"


def test_frankfurter_series_business_days_only(emu: ECBEmulator, history: RateHistory) -> None:
    body = fx(emu, "2025-04-19..2025-04-30", symbols="USD").json()
    assert body["start_date"] == "2025-04-17"  # the start snaps back to the previous publication day
    assert list(body["rates"]) == [d.isoformat() for d in history.days if date(2025, 4, 17) <= d <= date(2025, 4, 30)]
    assert body["end_date"] == "2025-04-30"
    assert all(Decimal(str(v["USD"])) == history.rates[date.fromisoformat(k)]["USD"] for k, v in body["rates"].items())
    open_end = fx(emu, "2026-11-20..").json()
    assert open_end["end_date"] == "2026-11-30" and "BGN" not in open_end["rates"]["2026-11-30"]


def test_frankfurter_base_and_amount(emu: ECBEmulator, history: RateHistory) -> None:
    day = date(2025, 3, 3)
    row = history.rates[day]
    body = fx(emu, day.isoformat(), base="USD", symbols="GBP,EUR").json()
    assert body["base"] == "USD" and set(body["rates"]) == {"GBP", "EUR"}
    assert Decimal(str(body["rates"]["GBP"])) == (row["GBP"] / row["USD"]).quantize(Decimal("0.00001"))
    assert abs(Decimal(str(body["rates"]["EUR"])) - 1 / row["USD"]) < Decimal("0.00001")
    scaled = fx(emu, day.isoformat(), amount="10", symbols="USD").json()
    assert scaled["amount"] == 10.0  # 10 x USD lies between 1 and 20, so 4 places
    assert Decimal(str(scaled["rates"]["USD"])) == (10 * row["USD"]).quantize(Decimal("0.0001"))


def test_frankfurter_errors_and_currencies(emu: ECBEmulator) -> None:
    assert fx(emu, "2027-01-04").status_code == 404 and fx(emu, "2027-01-04").json() == {"message": "not found"}
    assert fx(emu, "2024-12-31").status_code == 404  # before the history
    assert fx(emu, "2025-13-40").status_code == 422
    assert fx(emu, "latest", amount="abc").status_code == 422
    assert fx(emu, "nowhere").status_code == 404
    names = fx(emu, "currencies").json()
    assert names["EUR"] == "Euro" and names["USD"] == "United States Dollar" and "ZAR" not in names


# ----------------------------------------------------------------------------- faults, 404, lifecycle


def test_inject_503_then_recover(history: RateHistory) -> None:
    with ECBEmulator(history) as emu:
        emu.inject(503, 2, path_contains="hist.zip")
        assert get(emu, "eurofxref-daily.xml").status_code == 200  # other paths are unaffected
        first = get(emu, "eurofxref-hist.zip")
        assert first.status_code == 503 and first.headers["Content-Type"].startswith("text/html")
        assert get(emu, "eurofxref-hist.zip").status_code == 503
        assert get(emu, "eurofxref-hist.zip").status_code == 200
        emu.inject(500, path_contains="/v1/")
        assert fx(emu, "latest").json() == {"message": "internal server error"}
        emu.inject(200, body="<html>maintenance</html>")
        assert get(emu, "eurofxref-daily.xml").text == "<html>maintenance</html>"
        assert [(r.path, r.status) for r in emu.requests[:4]] == [
            ("/stats/eurofxref/eurofxref-daily.xml", 200), ("/stats/eurofxref/eurofxref-hist.zip", 503),
            ("/stats/eurofxref/eurofxref-hist.zip", 503), ("/stats/eurofxref/eurofxref-hist.zip", 200)]


def test_inject_delay_and_truncation(history: RateHistory) -> None:
    with ECBEmulator(history) as emu:
        emu.inject(200, delay=1.0)
        with pytest.raises(requests.exceptions.ReadTimeout):
            get(emu, "eurofxref-daily.xml", timeout=0.3)
        emu.inject(200, delay=0.2)
        assert get(emu, "eurofxref-daily.xml").status_code == 200  # slow, then answered normally
        emu.inject(200, body="truncated", path_contains="hist.zip")
        with pytest.raises(requests.exceptions.RequestException):
            get(emu, "eurofxref-hist.zip")
        assert get(emu, "eurofxref-hist.zip").status_code == 200


def test_unknown_paths_and_methods(emu: ECBEmulator) -> None:
    for path in ("/", "/stats/eurofxref/", "/stats/eurofxref/eurofxref-hist.json", "/stats/eurofxref/nope.xml"):
        r = requests.get(emu.base_url + path, timeout=TIMEOUT)
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html"), path
    assert requests.post(f"{emu.ecb_url}/eurofxref-daily.xml", timeout=TIMEOUT).status_code == 405
    assert emu.requests[-1].method == "POST" and emu.requests[-1].status == 405


def test_port_in_use_raises_and_binding_is_loopback_only(history: RateHistory) -> None:
    with ECBEmulator(history) as first:
        assert first.base_url == f"http://127.0.0.1:{first.port}" and first.port > 0
        with pytest.raises(OSError) as err:
            ECBEmulator(history, port=first.port).start()
        assert err.value.errno == errno.EADDRINUSE
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(OSError):
            ECBEmulator(history, port=sock.getsockname()[1]).start()
    with pytest.raises(ValueError):
        ECBEmulator(history, host="0.0.0.0")


def test_stop_frees_the_port(history: RateHistory) -> None:
    emu = ECBEmulator(history).start()
    port = emu.port
    assert get(emu, "eurofxref-daily.xml").status_code == 200
    emu.stop()
    emu.stop()  # idempotent
    with ECBEmulator(history, port=port) as again:
        assert get(again, "eurofxref-daily.xml").status_code == 200
