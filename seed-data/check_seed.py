#!/usr/bin/env python3
"""Consistency check for the GDE Tracker seed data (standard library only).

Run from anywhere:  python3 seed-data/check_seed.py
Exit status 0 when every check passes, 1 otherwise.
"""
import csv
import datetime as dt
import os
import re
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))

HEADERS = {
    "organisations.csv": ["ods_code", "name", "name_at_designation", "sector", "region_code",
                          "region_code_2017", "opened_on", "closed_on", "successor_ods_code",
                          "source"],
    "participants.csv": ["ods_code", "role", "sector", "wave", "designated_on", "accredited_on",
                         "status", "confidence", "source"],
    "pairings.csv": ["fast_follower_ods_code", "exemplar_ods_code", "confidence", "source"],
    "partner_organisations.csv": ["name", "kind", "country_code", "source"],
    "partnerships.csv": ["ods_code", "partner_name", "role", "started_on", "ended_on",
                         "confidence", "source", "note"],
    "funding_caps.csv": ["role", "sector", "cap", "source"],
    "cap_groups.csv": ["name", "cap", "source"],
    "cap_group_members.csv": ["group", "ods_code", "source"],
    "maturity_assessments.csv": ["ods_code", "scale", "score", "assessed_on", "source"],
    "illustrative/allocations.csv": ["ods_code", "reference", "central", "local_match",
                                     "awarded_on"],
    "illustrative/allocation_profiles.csv": ["ods_code", "allocation_reference",
                                             "financial_year", "amount"],
    "illustrative/milestones.csv": ["ods_code", "reference", "title", "category", "baseline_on",
                                    "forecast_on", "actual_on", "status", "signed_off_on"],
    "illustrative/tranches.csv": ["ods_code", "allocation_reference", "name", "kind",
                                  "milestone_reference", "amount", "released_on"],
    "illustrative/maturity_assessments.csv": ["ods_code", "scale", "score", "assessed_on",
                                              "source"],
}

SECTORS = {"acute", "mental_health", "community", "ambulance"}
ROLES = {"global_digital_exemplar", "fast_follower"}
CONFIDENCE = {"high", "medium", "low"}
PART_STATUS = {"active", "accredited"}
PARTNER_KINDS = {"healthcare_provider", "supplier", "university"}
PARTNERSHIP_ROLES = {"international_partner", "epr_supplier", "academic_partner"}
MS_CATEGORIES = {"epr_go_live", "himss_emram_validation", "blueprint_published",
                 "fast_follower_go_live", "infrastructure", "other"}
MS_STATUS = {"not_started", "in_progress", "complete", "at_risk", "cancelled"}
TRANCHE_KINDS = {"upfront", "milestone"}
SCALES = {"himss_emram": (0, 7), "dma": (0, 100)}
CURRENT_REGIONS = {"Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"}
REGIONS_2017 = {"Y54", "Y55", "Y56", "Y57"}
FY_MIN, FY_MAX = 2016, 2020  # 2016/17 .. 2020/21

ODS_RE = re.compile(r"^[A-Z0-9]{3,5}$")
SOURCE_RE = re.compile(r"^S\d+[a-z]?(;S\d+[a-z]?)*$")
MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")
FY_RE = re.compile(r"^(\d{4})/(\d{2})$")
ISO2_RE = re.compile(r"^[A-Z]{2}$")

errors = []
counts = {}


def err(msg):
    errors.append(msg)


def read(name):
    path = os.path.join(HERE, name)
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        err(f"{name}: starts with a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err(f"{name}: not valid UTF-8 ({e})")
        text = raw.decode("utf-8", "replace")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    if header != HEADERS[name]:
        err(f"{name}: header {header} != expected {HEADERS[name]}")
    out = []
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            err(f"{name}:{i}: {len(r)} fields, expected {len(header)}")
            continue
        d = dict(zip(header, r))
        d["_where"] = f"{name}:{i}"
        out.append(d)
    counts[name] = len(out)
    return out


def parse_date(s, where, col, allow_month=False, required=False):
    """Return a date (first of month for YYYY-MM) or None for empty."""
    if s == "":
        if required:
            err(f"{where}: {col} is required")
        return None
    try:
        if allow_month and re.fullmatch(r"\d{4}-\d{2}", s):
            return dt.date(int(s[:4]), int(s[5:7]), 1)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            raise ValueError
        return dt.date.fromisoformat(s)
    except ValueError:
        fmt = "YYYY-MM-DD or YYYY-MM" if allow_month else "YYYY-MM-DD"
        err(f"{where}: {col} {s!r} is not a valid {fmt} date")
        return None


def pence(s, where, col):
    if not MONEY_RE.fullmatch(s):
        err(f"{where}: {col} {s!r} is not pounds with at most two decimal places")
        return 0
    whole, _, frac = s.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def check_source(d, col="source"):
    s = d[col]
    if s == "illustrative":
        return
    if not SOURCE_RE.fullmatch(s):
        err(f"{d['_where']}: {col} {s!r} is not a ;-separated list of S-keys")


def enum(d, col, allowed, allow_empty=False):
    v = d[col]
    if v == "" and allow_empty:
        return
    if v not in allowed:
        err(f"{d['_where']}: {col} {v!r} not in {sorted(allowed)}")


# ---------------------------------------------------------------------------
# Confirmed set
# ---------------------------------------------------------------------------
orgs = read("organisations.csv")
org = {}
for d in orgs:
    w = d["_where"]
    if not ODS_RE.fullmatch(d["ods_code"]):
        err(f"{w}: bad ods_code {d['ods_code']!r}")
    if d["ods_code"] in org:
        err(f"{w}: duplicate ods_code {d['ods_code']}")
    org[d["ods_code"]] = d
    if not d["name"]:
        err(f"{w}: name is empty")
    if d["name"].isupper():
        err(f"{w}: name is still ALL CAPS")
    enum(d, "sector", SECTORS)
    enum(d, "region_code", CURRENT_REGIONS)
    enum(d, "region_code_2017", REGIONS_2017, allow_empty=True)
    o = parse_date(d["opened_on"], w, "opened_on")
    c = parse_date(d["closed_on"], w, "closed_on")
    if o and c and c < o:
        err(f"{w}: closed_on before opened_on")
    check_source(d)
for d in orgs:
    s = d["successor_ods_code"]
    if s:
        if s not in org:
            err(f"{d['_where']}: successor {s} not in organisations.csv")
        if not d["closed_on"]:
            err(f"{d['_where']}: has a successor but no closed_on")
        elif org.get(s) and org[s]["opened_on"] and org[s]["opened_on"] > d["closed_on"]:
            pass  # successor opened after closure: fine
        if s == d["ods_code"]:
            err(f"{d['_where']}: successor is itself")


def need_org(code, where, col="ods_code"):
    if code not in org:
        err(f"{where}: {col} {code!r} not in organisations.csv")


parts = read("participants.csv")
part = {}
for d in parts:
    w = d["_where"]
    need_org(d["ods_code"], w)
    if d["ods_code"] in part:
        err(f"{w}: duplicate participant {d['ods_code']}")
    part[d["ods_code"]] = d
    enum(d, "role", ROLES)
    enum(d, "sector", SECTORS)
    enum(d, "status", PART_STATUS)
    enum(d, "confidence", CONFIDENCE)
    if not d["wave"] or len(d["wave"]) > 40:
        err(f"{w}: wave must be 1-40 characters")
    des = parse_date(d["designated_on"], w, "designated_on", allow_month=True, required=True)
    acc = parse_date(d["accredited_on"], w, "accredited_on", allow_month=True)
    if acc and des and acc < des:
        err(f"{w}: accredited_on before designated_on")
    if (d["status"] == "accredited") != bool(d["accredited_on"]):
        err(f"{w}: status 'accredited' if and only if accredited_on is set")
    if d["ods_code"] in org and org[d["ods_code"]]["sector"] != d["sector"]:
        err(f"{w}: sector differs from organisations.csv")
    if d["ods_code"] in org and not org[d["ods_code"]]["name_at_designation"]:
        err(f"{w}: participant's organisation has no name_at_designation")
    check_source(d)

gde = Counter(d["sector"] for d in parts if d["role"] == "global_digital_exemplar")
if dict(gde) != {"acute": 16, "mental_health": 7, "ambulance": 3}:
    err(f"participants.csv: GDEs by sector {dict(gde)}, expected 16 acute + 7 MH + 3 ambulance")
if sum(gde.values()) != 26:
    err(f"participants.csv: {sum(gde.values())} GDEs, expected 26")
for code in ("RTV", "RNN", "RYG", "TAH", "RX2", "RW5", "RWK"):
    if code in part:
        err(f"participants.csv: proposed mental-health fast follower {code} must not be seeded")
ff_mh = [d for d in parts if d["role"] == "fast_follower" and d["sector"] == "mental_health"]
if ff_mh:
    err("participants.csv: mental-health fast followers are unconfirmed and must not be seeded")

pairs = read("pairings.csv")
seen_pairs = set()
for d in pairs:
    w = d["_where"]
    f, g = d["fast_follower_ods_code"], d["exemplar_ods_code"]
    need_org(f, w, "fast_follower_ods_code")
    need_org(g, w, "exemplar_ods_code")
    if part.get(f, {}).get("role") != "fast_follower":
        err(f"{w}: {f} is not a fast_follower participant")
    if part.get(g, {}).get("role") != "global_digital_exemplar":
        err(f"{w}: {g} is not a global_digital_exemplar participant")
    if (f, g) in seen_pairs:
        err(f"{w}: duplicate pairing")
    seen_pairs.add((f, g))
    enum(d, "confidence", {"high", "medium"})
    check_source(d)
if any(d["fast_follower_ods_code"] == "RRV" for d in pairs):
    err("pairings.csv: RRV's pairing is UNCONFIRMED and must not be seeded")

pos = read("partner_organisations.csv")
partner = {}
for d in pos:
    if d["name"] in partner:
        err(f"{d['_where']}: duplicate partner {d['name']}")
    partner[d["name"]] = d
    enum(d, "kind", PARTNER_KINDS)
    if not ISO2_RE.fullmatch(d["country_code"]):
        err(f"{d['_where']}: country_code {d['country_code']!r} is not ISO 3166-1 alpha-2")
    check_source(d)

pships = read("partnerships.csv")
used_partners = set()
for d in pships:
    w = d["_where"]
    need_org(d["ods_code"], w)
    if d["ods_code"] not in part:
        err(f"{w}: {d['ods_code']} is not a participant")
    if d["partner_name"] not in partner:
        err(f"{w}: partner {d['partner_name']!r} not in partner_organisations.csv")
    used_partners.add(d["partner_name"])
    enum(d, "role", PARTNERSHIP_ROLES)
    enum(d, "confidence", CONFIDENCE)
    s = parse_date(d["started_on"], w, "started_on", allow_month=True)
    e = parse_date(d["ended_on"], w, "ended_on", allow_month=True)
    if s and e and e < s:
        err(f"{w}: ended_on before started_on")
    check_source(d)
for name in partner:
    if name not in used_partners:
        err(f"partner_organisations.csv: {name} is not used by partnerships.csv")

caps_rows = read("funding_caps.csv")
caps = {}
for d in caps_rows:
    enum(d, "role", ROLES)
    enum(d, "sector", SECTORS)
    caps[(d["role"], d["sector"])] = pence(d["cap"], d["_where"], "cap")
    check_source(d)
expected_caps = {("global_digital_exemplar", "acute"): 10_000_000_00,
                 ("global_digital_exemplar", "mental_health"): 5_000_000_00,
                 ("global_digital_exemplar", "ambulance"): 5_000_000_00,
                 ("fast_follower", "acute"): 5_000_000_00,
                 ("fast_follower", "mental_health"): 3_000_000_00}
if caps != expected_caps:
    err(f"funding_caps.csv: caps {caps} differ from the programme defaults")


def check_maturity(rows, illustrative):
    for d in rows:
        w = d["_where"]
        need_org(d["ods_code"], w)
        if d["ods_code"] not in part:
            err(f"{w}: {d['ods_code']} is not a participant")
        if d["scale"] not in SCALES:
            err(f"{w}: scale {d['scale']!r} not in {sorted(SCALES)}")
            continue
        lo, hi = SCALES[d["scale"]]
        if not re.fullmatch(r"\d+", d["score"]) or not lo <= int(d["score"]) <= hi:
            err(f"{w}: score {d['score']!r} outside {lo}-{hi}")
        parse_date(d["assessed_on"], w, "assessed_on", allow_month=not illustrative,
                   required=True)
        if illustrative:
            if d["source"] != "illustrative":
                err(f"{w}: source must be 'illustrative'")
        else:
            check_source(d)


check_maturity(read("maturity_assessments.csv"), illustrative=False)

# ---------------------------------------------------------------------------
# Illustrative set
# ---------------------------------------------------------------------------
allocs = read("illustrative/allocations.csv")
alloc = {}
for d in allocs:
    w = d["_where"]
    o = d["ods_code"]
    need_org(o, w)
    if o not in part:
        err(f"{w}: {o} is not a participant")
        continue
    key = (o, d["reference"])
    if key in alloc:
        err(f"{w}: duplicate allocation {key}")
    c = pence(d["central"], w, "central")
    lm = pence(d["local_match"], w, "local_match")
    aw = parse_date(d["awarded_on"], w, "awarded_on", required=True)
    alloc[key] = dict(central=c, local=lm, awarded=aw, where=w)
for o in part:
    if not any(k[0] == o for k in alloc):
        err(f"illustrative/allocations.csv: participant {o} has no allocation")

# caps: the sum of a participant's allocations never exceeds its cap
per_part = defaultdict(int)
for (o, _), a in alloc.items():
    per_part[o] += a["central"]
for o, total in per_part.items():
    p = part[o]
    cap = caps.get((p["role"], p["sector"]))
    if cap is None:
        err(f"allocations: no cap for {p['role']}/{p['sector']} ({o})")
    elif total > cap:
        err(f"allocations: {o} central {total / 100:.2f} exceeds cap {cap / 100:.2f}")
# the ambulance GDE money was one GBP 5m pot shared by the three trusts
amb = sum(t for o, t in per_part.items()
          if part[o]["role"] == "global_digital_exemplar" and part[o]["sector"] == "ambulance")
if amb > caps[("global_digital_exemplar", "ambulance")]:
    err(f"allocations: ambulance GDEs together get {amb / 100:.2f} > shared GBP 5m pot")
# cap groups (cap_groups.csv, cap_group_members.csv): a cap shared by a group
group_caps = {}
for d in read("cap_groups.csv"):
    key = " ".join(d["name"].lower().split())
    if key in group_caps:
        err(f"{d['_where']}: cap group {d['name']!r} appears twice")
    group_caps[key] = (d["name"], pence(d["cap"], d["_where"], "cap"))
    check_source(d)
group_of = {}
for d in read("cap_group_members.csv"):
    key = " ".join(d["group"].lower().split())
    if key not in group_caps:
        err(f"{d['_where']}: group {d['group']!r} not in cap_groups.csv")
    if d["ods_code"] not in part:
        err(f"{d['_where']}: {d['ods_code']} is not a participant")
    if d["ods_code"] in group_of:
        err(f"{d['_where']}: {d['ods_code']} is in two cap groups")
    group_of[d["ods_code"]] = key
    check_source(d)
amb_members = {o for o, p in part.items()
               if p["role"] == "global_digital_exemplar" and p["sector"] == "ambulance"}
if {o for o, k in group_of.items() if k == "ambulance exemplars"} != amb_members:
    err("cap_group_members.csv: the Ambulance exemplars group must hold exactly the three ambulance GDEs")
for key, (name, gcap) in group_caps.items():
    gtotal = sum(t for o, t in per_part.items() if group_of.get(o) == key)
    if gtotal > gcap:
        err(f"allocations: cap group {name} gets {gtotal / 100:.2f} > its cap {gcap / 100:.2f}")
below = sorted(o for (o, _), a in alloc.items() if a["local"] < a["central"])

profiles = read("illustrative/allocation_profiles.csv")
prof_sum = defaultdict(int)
seen_fy = set()
for d in profiles:
    w = d["_where"]
    key = (d["ods_code"], d["allocation_reference"])
    need_org(d["ods_code"], w)
    if key not in alloc:
        err(f"{w}: no allocation {key}")
    m = FY_RE.fullmatch(d["financial_year"])
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        err(f"{w}: financial_year {d['financial_year']!r} is not like 2017/18")
    elif not FY_MIN <= int(m.group(1)) <= FY_MAX:
        err(f"{w}: financial_year {d['financial_year']} outside 2016/17-2020/21")
    if key + (d["financial_year"],) in seen_fy:
        err(f"{w}: financial year repeated for {key}")
    seen_fy.add(key + (d["financial_year"],))
    amt = pence(d["amount"], w, "amount")
    if amt <= 0:
        err(f"{w}: amount must be positive")
    prof_sum[key] += amt
for key, a in alloc.items():
    if prof_sum.get(key, 0) != a["central"]:
        err(f"profiles: {key} sum {prof_sum.get(key, 0)}p != central {a['central']}p")

milestones = read("illustrative/milestones.csv")
ms = {}
for d in milestones:
    w = d["_where"]
    o = d["ods_code"]
    need_org(o, w)
    if o not in part:
        err(f"{w}: {o} is not a participant")
    if not re.fullmatch(r"M\d{2}", d["reference"]):
        err(f"{w}: reference {d['reference']!r} is not like M01")
    if (o, d["reference"]) in ms:
        err(f"{w}: milestone reference {d['reference']} repeated for {o}")
    if not d["title"]:
        err(f"{w}: empty title")
    enum(d, "category", MS_CATEGORIES)
    enum(d, "status", MS_STATUS)
    b = parse_date(d["baseline_on"], w, "baseline_on", required=True)
    f = parse_date(d["forecast_on"], w, "forecast_on", required=True)
    a = parse_date(d["actual_on"], w, "actual_on")
    s = parse_date(d["signed_off_on"], w, "signed_off_on")
    if d["status"] == "complete":
        if not a:
            err(f"{w}: complete milestone without actual_on")
    else:
        if a or s:
            err(f"{w}: {d['status']} milestone must have no actual_on / signed_off_on")
    if s and a and s < a:
        err(f"{w}: signed_off_on before actual_on")
    if b and not dt.date(2017, 1, 1) <= b <= dt.date(2021, 12, 31):
        err(f"{w}: baseline_on {b} outside 2017-2021")
    ms[(o, d["reference"])] = dict(status=d["status"], actual=a, signed=s, forecast=f)
per_part_ms = Counter(o for o, _ in ms)
for o in part:
    if not 4 <= per_part_ms.get(o, 0) <= 7:
        err(f"milestones: {o} has {per_part_ms.get(o, 0)} milestones, expected 4-7")

tranches = read("illustrative/tranches.csv")
tr_sum = defaultdict(int)
upfronts = Counter()
for d in tranches:
    w = d["_where"]
    o = d["ods_code"]
    key = (o, d["allocation_reference"])
    need_org(o, w)
    if key not in alloc:
        err(f"{w}: no allocation {key}")
    enum(d, "kind", TRANCHE_KINDS)
    amt = pence(d["amount"], w, "amount")
    if amt <= 0:
        err(f"{w}: amount must be positive")
    tr_sum[key] += amt
    rel = parse_date(d["released_on"], w, "released_on")
    ref = d["milestone_reference"]
    if d["kind"] == "upfront":
        upfronts[key] += 1
        if ref:
            err(f"{w}: upfront tranche must not name a milestone")
    elif d["kind"] == "milestone":
        m = ms.get((o, ref))
        if m is None:
            err(f"{w}: milestone {ref!r} does not exist for {o}")
        elif rel:
            if m["status"] != "complete" or not m["signed"]:
                err(f"{w}: released although milestone {ref} is not complete and signed off")
            elif rel < m["signed"]:
                err(f"{w}: released_on {rel} before sign-off {m['signed']}")
        elif m and m["status"] == "cancelled":
            err(f"{w}: tranche hangs on cancelled milestone {ref}")
    if rel and key in alloc and alloc[key]["awarded"] and rel < alloc[key]["awarded"]:
        err(f"{w}: released before the allocation was awarded")
for key, a in alloc.items():
    if tr_sum.get(key, 0) > a["central"]:
        err(f"tranches: {key} sum {tr_sum[key]}p exceeds central {a['central']}p")
    if upfronts[key] != 1:
        err(f"tranches: {key} has {upfronts[key]} upfront tranches, expected 1")

mat_ill = read("illustrative/maturity_assessments.csv")
check_maturity(mat_ill, illustrative=True)
by_part = defaultdict(list)
for d in mat_ill:
    by_part[d["ods_code"]].append((d["assessed_on"], int(d["score"])))
for o in part:
    pts = sorted(by_part.get(o, []))
    if not 2 <= len(pts) <= 3:
        err(f"illustrative maturity: {o} has {len(pts)} points, expected 2-3")
    if any(b[1] < a[1] for a, b in zip(pts, pts[1:])):
        err(f"illustrative maturity: {o} scores fall over time")

# accredited participants: every illustrative milestone complete and signed off by then
for o, p in part.items():
    if p["status"] == "accredited":
        acc = parse_date(p["accredited_on"], "participants", "accredited_on", allow_month=True)
        if len(p["accredited_on"]) == 7:  # YYYY-MM: any day of that month counts
            nxt = dt.date(acc.year + acc.month // 12, acc.month % 12 + 1, 1)
            acc = nxt - dt.timedelta(days=1)
        for (oo, ref), m in ms.items():
            if oo == o and m["status"] != "cancelled" and (
                    m["status"] != "complete" or not m["signed"] or m["signed"] > acc):
                err(f"milestones: {o} is accredited on {p['accredited_on']} but {ref} is "
                    f"not complete and signed off by then")

# ---------------------------------------------------------------------------
print("Rows per file:")
for name in HEADERS:
    print(f"  {name:42} {counts.get(name, 0):4}")
print(f"GDEs by sector: {dict(gde)} (total {sum(gde.values())}); "
      f"fast followers: {sum(1 for d in parts if d['role'] == 'fast_follower')}")
print(f"Allocations with local match below central: {', '.join(below) or 'none'}")
today = dt.date.today()
open_ms = [(k, m) for k, m in ms.items() if m["status"] not in ("complete", "cancelled")]
print(f"Milestones: {Counter(m['status'] for m in ms.values())}; "
      f"open and overdue (forecast < {today}): "
      f"{sum(1 for _, m in open_ms if m['forecast'] and m['forecast'] < today)}; "
      f"open and due later: {sum(1 for _, m in open_ms if m['forecast'] and m['forecast'] >= today)}; "
      f"complete awaiting sign-off: "
      f"{sum(1 for m in ms.values() if m['status'] == 'complete' and not m['signed'])}")
if errors:
    print(f"\nFAILED: {len(errors)} problem(s)")
    for e in errors:
        print("  - " + e)
    sys.exit(1)
print("\nOK: all checks passed")
