#!/usr/bin/env python3
"""Generate the ILLUSTRATIVE periodic progress returns for GDE Tracker.

Standard library only. Run from anywhere:

    python3 seed-data/illustrative/generate_returns.py           # write, then check
    python3 seed-data/illustrative/generate_returns.py --check   # check the files on disk only

It reads participants.csv, partnerships.csv and the illustrative allocations,
allocation profiles and milestones, and writes four files next to itself:

    reporting_periods.csv          12 quarterly periods, 2018/19 Q1 .. 2020/21 Q4
    returns.csv                    one row per participant per period it reported in
    return_milestone_updates.csv   per return, one row per milestone still open at the period start
    return_risks.csv               0-3 risks per return

Everything in these files is INVENTED (the real GDE programme's returns are not
public). The output is deterministic: a fixed seed and a fixed iteration order,
so rerunning produces byte-identical files (the script generates everything
twice and compares before writing).

Exit status 0 when every check passes, 1 otherwise.
"""
import csv
import datetime as dt
import io
import os
import random
import re
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_DIR = os.path.dirname(HERE)

SEED = 20210630
# The data describe the programme as the office saw it at the end of June 2021.
AS_OF = dt.date(2021, 6, 30)
FIRST_FY, LAST_FY = 2018, 2020          # 2018/19 Q1 .. 2020/21 Q4
DUE_AFTER_DAYS = 30

# A milestone delivered during a period is reported in that period's return
# with status `complete` and forecast_on = actual_on. A milestone delivered
# before the period started is left out of the return. Set this to False to
# leave out every milestone whose actual_on is on or before the period's end
# (then no `complete` rows appear).
INCLUDE_COMPLETED_IN_PERIOD = True

HEADERS = {
    "reporting_periods.csv": ["label", "frequency", "starts_on", "ends_on", "due_on", "status"],
    "returns.csv": ["ods_code", "period", "status", "spend_to_date", "self_rating",
                    "rating_justification", "narrative", "office_rating", "office_comment",
                    "submitted_on", "approved_on"],
    "return_milestone_updates.csv": ["ods_code", "period", "milestone_reference", "forecast_on",
                                     "status", "comment"],
    "return_risks.csv": ["ods_code", "period", "position", "description", "rating",
                         "mitigation"],
}
OUTPUTS = list(HEADERS)

RATINGS = ["red", "amber", "green"]            # worst first
RETURN_STATUSES = {"draft", "submitted", "returned", "approved"}
UPDATE_STATUSES = {"not_started", "in_progress", "at_risk", "complete"}
MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# ---------------------------------------------------------------------------
# Hand-picked shape of the data (all invented)
# ---------------------------------------------------------------------------
LAST_LABEL = f"{LAST_FY}/{(LAST_FY + 1) % 100:02d} Q4"

# Earlier periods in which a participant did not report (no row).
EARLIER_GAPS = {
    ("RQM", "2018/19 Q3"),
    ("RYA", "2019/20 Q2"),
    ("RV5", "2019/20 Q4"),   # first COVID-19 wave
    ("RNU", "2020/21 Q1"),
}
# The open period, 2020/21 Q4: anyone not listed is approved.
LAST_PERIOD_STATE = {
    "RE9": None, "RC1": None, "RHM": None, "RJR": None,          # not reported
    "RBL": "submitted", "RTD": "submitted", "RXT": "submitted",
    "RD8": "submitted", "RRV": "submitted", "RX6": "submitted",
    "RAL": "draft", "RV5": "draft", "RYE": "draft",
    "RA7": "returned", "RNU": "returned",
}
RETURNED_COMMENTS = {
    "RA7": "Please revise before resubmitting: the M05 (HIMSS EMRAM stage 7 validation) forecast "
           "should use the date HIMSS has offered for the validation visit, and spend to date does "
           "not agree with the month 12 finance return.",
    "RNU": "Please resubmit with a risk covering the M06 electronic prescribing delay and a short "
           "explanation of the underspend against the 2020/21 profile.",
}
# Draft returns that are still incomplete.
DRAFT_WITHOUT_TEXT = {"RYE"}          # no rating, justification or narrative yet
DRAFT_MISSING_UPDATES = {"RAL"}       # milestone updates not yet filled in

# Participants that spend well below profile (some catch up later).
UNDER_SPENDERS = {"RXT", "RHM", "RYA", "RD8", "RRV"}

COVID_LABELS = {"2019/20 Q4", "2020/21 Q1", "2020/21 Q2", "2020/21 Q3"}

LEAD_DAYS = {  # how long before delivery work visibly starts
    "infrastructure": 240, "epr_go_live": 540, "fast_follower_go_live": 480,
    "blueprint_published": 270, "himss_emram_validation": 300, "other": 300,
}

MONTHS = ["", "January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def d(s):
    return dt.date.fromisoformat(s)


def designation_date(s):
    """designated_on may be YYYY-MM (taken as the 1st of the month) or YYYY-MM-DD."""
    if re.fullmatch(r"\d{4}-\d{2}", s):
        return dt.date(int(s[:4]), int(s[5:7]), 1)
    return d(s)


def month_end(x):
    nxt = dt.date(x.year + (x.month == 12), x.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def long_date(x):
    return f"{x.day} {MONTHS[x.month]} {x.year}"


def month_year(x):
    return f"{MONTHS[x.month]} {x.year}"


def to_pence(s):
    whole, _, frac = s.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def money(p):
    assert p >= 0
    return str(p // 100) if p % 100 == 0 else f"{p // 100}.{p % 100:02d}"


def worse(r):
    return RATINGS[max(0, RATINGS.index(r) - 1)]


def better(r):
    return RATINGS[min(2, RATINGS.index(r) + 1)]


def cap(s):
    return s[:1].upper() + s[1:]


def lc_first(s):
    first = s.split(" ")[0]
    # keep acronyms and mixed-case words (EPR, HIMSS, Wi-Fi) as they are
    if len(first) > 1 and any(c.isupper() for c in first[1:]):
        return s
    return s[:1].lower() + s[1:]


NOUN_OVERRIDES = {
    "Integrated care record shared with GPs": "sharing the integrated care record with GPs",
    "Paper-free outpatient clinics": "the move to paper-free outpatient clinics",
    "Remote consultations available in all specialties":
        "the rollout of remote consultations to all specialties",
    "Mobile devices and remote access for community teams":
        "the rollout of mobile devices and remote access for community teams",
    "Video consultation in community teams": "the video consultation rollout in community teams",
    "Video consultation between crews and clinical hub":
        "video consultation between crews and the clinical hub",
    "Wi-Fi in all ambulances": "Wi-Fi in all ambulances",
}


def noun(title):
    """A milestone title as a noun phrase for use inside a sentence."""
    phrase = _noun(title)
    if "go-live" in phrase and not phrase.startswith(("support", "the ")):
        phrase = "the " + phrase
    return phrase


def _noun(title):
    if title in NOUN_OVERRIDES:
        return NOUN_OVERRIDES[title]
    m = re.fullmatch(r"Blueprint: (.+) published", title)
    if m:
        return f"the {m.group(1)} blueprint"
    m = re.fullmatch(r"HIMSS EMRAM stage (\d) (re)?validation", title)
    if m:
        return f"HIMSS EMRAM stage {m.group(1)} {m.group(2) or ''}validation"
    m = re.fullmatch(r"Fast follower go-live supported: (.+)", title)
    if m:
        return f"support for the {m.group(1)} fast follower go-live"
    if title == "Digital programme business case approved":
        return "approval of the digital programme business case"
    m = re.fullmatch(r"(.+) published", title)
    if m:
        return "the " + lc_first(m.group(1))
    m = re.fullmatch(r"(.+) launched", title)
    if m:
        return "the " + lc_first(m.group(1)) + " launch"
    m = re.fullmatch(r"(.+) piloted", title)
    if m:
        return "the " + lc_first(m.group(1)) + " pilot"
    if "go-live" not in title:
        m = re.fullmatch(r"(.+) live( .+)?", title)
        if m:
            return lc_first(m.group(1)) + " go-live" + (m.group(2) or "")
    if title.endswith("pilot for early intervention") or title.endswith("upgrade") \
            or title.startswith("Wi-Fi"):
        return "the " + lc_first(title)
    return lc_first(title)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_inputs():
    parts = read_csv(os.path.join(SEED_DIR, "participants.csv"))
    allocs = {r["ods_code"]: r for r in read_csv(os.path.join(HERE, "allocations.csv"))}
    profiles = defaultdict(list)
    for r in read_csv(os.path.join(HERE, "allocation_profiles.csv")):
        profiles[r["ods_code"]].append((int(r["financial_year"][:4]), to_pence(r["amount"])))
    milestones = defaultdict(list)
    for r in read_csv(os.path.join(HERE, "milestones.csv")):
        milestones[r["ods_code"]].append(r)
    suppliers = {}
    for r in read_csv(os.path.join(SEED_DIR, "partnerships.csv")):
        if r["role"] == "epr_supplier":
            suppliers[r["ods_code"]] = r["partner_name"]   # last row wins (RJR: Cerner)
    suppliers["RJR"] = "Cerner"
    return parts, allocs, profiles, milestones, suppliers


def build_periods():
    out = []
    for fy in range(FIRST_FY, LAST_FY + 1):
        for q, (month, year) in enumerate([(4, fy), (7, fy), (10, fy), (1, fy + 1)], start=1):
            starts = dt.date(year, month, 1)
            ends = month_end(dt.date(year, month + 2, 1))
            label = f"{fy}/{(fy + 1) % 100:02d} Q{q}"
            out.append({
                "label": label, "frequency": "quarterly", "starts_on": starts, "ends_on": ends,
                "due_on": ends + dt.timedelta(days=DUE_AFTER_DAYS),
                "status": "open" if label == LAST_LABEL else "closed",
            })
    return out


def profiled_to(profile, date):
    """As the app computes it: ended financial years in full, plus the current
    year pro rata by months begun."""
    total = 0
    for fy, amount in profile:
        first, last = dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)
        if last <= date:
            total += amount
        elif first <= date:
            months = (date.year - first.year) * 12 + date.month - first.month + 1
            total += amount * max(0, min(12, months)) // 12
    return total


# ---------------------------------------------------------------------------
# Text pools
# ---------------------------------------------------------------------------
SLIP_REASONS = {
    "infrastructure": ["cabling contractor capacity", "a delay in switch deliveries",
                       "site survey findings in the older buildings"],
    "epr_go_live": ["integration testing defects", "supplier build capacity",
                    "a longer dress-rehearsal cycle", "data migration reconciliation issues"],
    "fast_follower_go_live": ["the fast follower's readiness review", "a shared build freeze",
                              "supplier build capacity"],
    "blueprint_published": ["clinical sign-off of the content", "the template review by NHS Digital",
                            "competing demands on the clinical authors"],
    "himss_emram_validation": ["the HIMSS validation visit being rescheduled",
                               "closed-loop medication gaps found in the gap analysis",
                               "outstanding stage criteria on device integration"],
    "other": ["supplier development capacity", "information governance approvals",
              "clinical engagement in the pilot teams"],
}
COVID_SLIP = "staff redeployed to the COVID-19 response"

IN_PROGRESS_COMMENTS = {
    "infrastructure": ["Survey complete; installation under way.", "Ward rollout in progress.",
                       "Core switches installed; Wi-Fi access points next.", ""],
    "epr_go_live": ["Build and configuration in progress.", "Integrated testing under way.",
                    "Cut-over plan drafted; end-user training booked.", "On track.", ""],
    "fast_follower_go_live": ["Build shared with the exemplar; testing in progress.",
                              "Readiness review scheduled.", "On track.", ""],
    "blueprint_published": ["Draft with clinical authors.", "Content drafted; review under way.",
                            "On track.", ""],
    "himss_emram_validation": ["Gap analysis complete; remediation in progress.",
                               "Pre-assessment booked with HIMSS.", "On track.", ""],
    "other": ["Pilot teams engaged.", "Supplier development in progress.", "On track.", ""],
}
NOT_STARTED_COMMENTS = ["Depends on earlier milestones.", "Planning only at this stage.",
                        "Not yet started.", ""]

GREEN_JUST = [
    "Milestones are on track and spend is close to profile.",
    "All open milestones are within tolerance of baseline and spend is in line with plan.",
    "Delivery is on plan with no material slippage and finance is tracking the profile.",
    "No milestone has moved materially this quarter and spend is within 10% of profile.",
]
GREEN_SLIP_JUST = [
    "{N} has moved to {when}, but the slip is contained and the other milestones are on track.",
    "Apart from the revised date for {n}, delivery is on plan and spend is close to profile.",
]
GREEN_DONE_JUST = [
    "All GDE milestones are delivered and the remaining funding is committed.",
    "The programme has delivered its milestones and spend is close to the allocation.",
]
AMBER_SLIP_JUST = [
    "{N} has slipped {days} days against baseline, but a recovery plan is agreed with {supplier}.",
    "{N} is now forecast for {when}, {days} days after baseline, so confidence is reduced.",
    "Slippage on {n} ({days} days) is being managed through a re-plan approved by the programme board.",
]
AMBER_SPEND_JUST = [
    "Delivery is broadly on track but spend is {pct}% below profile because invoices for {what} are delayed.",
    "Spend is {pct}% below profile as {what} was re-phased into next year.",
]
AMBER_OVERSPEND_JUST = [
    "Spend is {pct}% ahead of profile because {what} was brought forward; delivery is on track.",
]
RED_SLIP_JUST = [
    "{N} is now {days} days behind baseline and the trust cannot yet commit to a revised date.",
    "{N} has slipped to {when} and the recovery plan depends on decisions outside the trust.",
]
RED_SPEND_JUST = [
    "Spend is {pct}% below profile and delivery of {n} is at risk without a re-plan.",
]
SPEND_WHAT = ["the device rollout", "a supplier milestone payment", "the infrastructure contract",
              "backfill for clinical staff", "the integration work"]

OFFICE_AGREE = [
    "Agreed.", "Agreed; thank you for a clear return.", "Rating agreed.",
    "Agreed. Please keep the benefits tracker up to date.", "Agreed; revised forecasts noted.", "",
]
OFFICE_AGREE_CONCERN = [
    "Agreed; the recovery plan will be reviewed at the next quarterly assurance meeting.",
    "Agreed. Please bring the revised plan for {n} to the next check-in.",
    "Rating agreed; the office will follow up on {n} with the SRO.",
]
OFFICE_WORSE_MOVED = [
    "The office rates this {r}: {n} has moved again this quarter.",
    "The office rates {r}: the forecast for {n} has moved for another quarter and the new date "
    "is not yet backed by a delivery plan.",
]
OFFICE_WORSE_SLIP = [
    "Rated {r} by the office because the revised date for {n} is not yet backed by a delivery plan.",
    "The office rates {r}: {n} is {days} days behind baseline and needs a recovery plan.",
]
OFFICE_WORSE_SPEND = [
    "The office rates {r}: spend is {pct}% {dir} profile and the re-phasing is not yet explained.",
]
OFFICE_BETTER_SPEND = [
    "Rated {r} by the office; the underspend is timing only and the plan is credible.",
]
OFFICE_BETTER_SLIP = [
    "The office rates {r}: the revised date for {n} is realistic and benefits are not affected.",
]

COVID_SENTENCES = [
    "COVID-19 response work took priority this quarter, with the programme team supporting "
    "rapid rollout of remote working and video consultations.",
    "Several clinical leads were redeployed during the COVID-19 surge, so training and testing "
    "were paused and re-planned.",
    "The team re-planned the remaining work around the COVID-19 response and moved training online.",
]
DONE_SENTENCES = [
    "All GDE milestones are delivered; this quarter's work focused on benefits realisation and "
    "sharing the blueprints with other trusts.",
    "With the milestones delivered, the team is embedding the new ways of working and "
    "measuring benefits.",
    "The programme is in its closing phase: optimisation work continues and lessons learned are "
    "being written up for fast followers.",
]
PRE_AWARD_SENTENCE = ("Funding has not yet been released; the trust is completing its business case "
                      "with its exemplar partner while the programme awaits the go-ahead.")


def risk_pool(sector, role, supplier):
    sup = supplier or "the EPR supplier"
    generic = [
        (f"Supplier capacity: {sup} may not have enough build and test staff for the next releases "
         "alongside other NHS go-lives.",
         "Weekly resource plan reviewed with the supplier account director; escalation route agreed."),
        ("Clinical engagement: consultant and nursing time for design and testing is limited by "
         "operational pressures.",
         "Protected sessions for the CCIO and clinical safety officers, with backfill funded."),
        ("Cyber security: legacy systems and unsupported operating systems remain on clinical devices.",
         "Patching tracked against CareCERT alerts; legacy devices isolated on a separate network segment."),
        ("Funding match: the local match depends on the trust's capital programme, which is "
         "under pressure.",
         "Match funding ring-fenced in the capital plan and reported monthly to the finance committee."),
        ("Workforce: difficulty recruiting and keeping informatics analysts and trainers.",
         "Retention premia agreed and two apprenticeships created in the digital team."),
        ("Benefits realisation: benefits are not yet baselined for every workstream.",
         "Benefits lead appointed and baselines agreed with each division."),
    ]
    if sector == "acute":
        generic += [
            ("Data migration: the quality of legacy PAS and results data could delay cut-over.",
             "Data cleansing team in place with three trial loads before cut-over."),
            ("Infrastructure: Wi-Fi dead spots and ageing network switches could disrupt mobile "
             "working after go-live.",
             "Network refresh prioritised for the first wards; surveys repeated after each phase."),
            ("Business continuity: downtime procedures for the EPR are not yet tested on every ward.",
             "Downtime drills scheduled for each division before the next release."),
        ]
    if sector == "mental_health":
        generic += [
            ("Connectivity: poor mobile coverage in rural areas limits remote access for community teams.",
             "Offline working enabled on devices and coverage mapped with the mobile operator."),
            ("Information governance: data-sharing agreements with local authorities are not yet signed.",
             "Template agreement agreed with the ICS and escalated through the Caldicott Guardian."),
        ]
    if sector == "ambulance":
        generic += [
            ("Coverage: 4G gaps on rural routes could stop electronic patient care records syncing "
             "from vehicles.",
             "Store-and-forward enabled on devices and coverage gaps reported to the network provider."),
            ("Vehicle fit-out: mounting and ruggedised devices depend on the fleet replacement schedule.",
             "Fit-out aligned with vehicle servicing and a pool of spare devices held at each hub."),
            ("Interoperability: receiving hospitals cannot all accept electronic handover records.",
             "Handover standard agreed regionally; PDF fallback in place."),
        ]
    if role == "fast_follower":
        generic += [
            ("Exemplar dependency: the blueprint and exemplar staff time may not be available when needed.",
             "Joint plan with the exemplar and a named lead on each side."),
            ("Blueprint fit: local processes differ from the exemplar's, adding configuration work.",
             "Design authority limits local changes to those with a clinical safety case."),
        ]
    if role == "global_digital_exemplar" and sector == "acute":
        generic.append(
            ("Blueprint adoption: fast followers may find the blueprints hard to reuse without "
             "local configuration.",
             "Blueprint clinics run monthly with fast followers; feedback built into each revision."))
    return generic


COVID_RISK = ("COVID-19 response: clinical and IT staff are redeployed, pausing training and "
              "go-live activity.",
              "Go-live dates re-planned with the supplier; virtual training and remote floorwalking introduced.")


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------
def forecast_for(m, period, rng_jitter):
    """The forecast a trust would report for milestone `m` at the end of `period`,
    for a milestone not complete by then. Drifts from baseline towards the eventual
    date (actual_on, else forecast_on) as the period approaches it."""
    p = period["ends_on"]
    base = d(m["baseline_on"])
    eventual = d(m["actual_on"] or m["forecast_on"])
    t0 = dt.date(2018, 4, 1)
    span = max(1, (eventual - t0).days)
    w = min(1.0, max(0.0, (p - t0).days / span)) ** 1.5
    shift = round((eventual - base).days * w)
    f = base + dt.timedelta(days=shift)
    if (eventual - p).days <= 100:
        f = eventual                       # due next quarter: the firm date is known
    elif abs(shift) < 15:
        f = base                           # no change worth reporting yet
    else:
        f = month_end(f)
        if (eventual >= base and f > eventual) or (eventual < base and f < eventual):
            f = eventual
    if f <= p:
        f = min(eventual, month_end(p + dt.timedelta(days=45 + rng_jitter)))
    return f


def generate():
    parts, allocs, profiles, milestones, suppliers = load_inputs()
    periods = build_periods()
    by_label = {pr["label"]: pr for pr in periods}
    returns, updates, risks = [], [], []

    for part in parts:
        ods = part["ods_code"]
        rng = random.Random(f"{SEED}:{ods}")
        role, sector = part["role"], part["sector"]
        designated = designation_date(part["designated_on"])
        alloc = allocs[ods]
        central = to_pence(alloc["central"])
        awarded = d(alloc["awarded_on"])
        profile = sorted(profiles[ods])
        ms = milestones[ods]
        supplier = suppliers.get(ods)
        key_ms = next((m for m in ms if m["category"] in ("epr_go_live", "fast_follower_go_live")), ms[0])
        key_noun = noun(key_ms["title"])

        # spend behaviour
        if ods in UNDER_SPENDERS:
            factor = rng.uniform(0.68, 0.78)
            trend = rng.uniform(0.0, 0.025)
        else:
            factor = rng.uniform(0.84, 1.08)
            trend = rng.uniform(-0.006, 0.006)
        spend_prev = 0
        optimism = rng.uniform(0.25, 0.6)
        concern = None

        # risk plan: (description, mitigation, start, end, rating index)
        pool = risk_pool(sector, role, supplier)
        plan = []
        for desc, mit in rng.sample(pool, k=rng.randint(3, 5)):
            start = rng.randint(0, 9)
            plan.append([desc, mit, start, start + rng.randint(2, 7), rng.choice([0, 1, 1, 1, 2, 2, 2])])
        if ods not in ("RE9", "RLN") and rng.random() < 0.7:
            plan.append([COVID_RISK[0], COVID_RISK[1], 7, 10, 0])

        prev_forecast = {}
        for k, period in enumerate(periods):
            label = period["label"]
            start_p, end_p = period["starts_on"], period["ends_on"]
            if end_p < designated:
                continue

            # ---- spend (computed every period so the trajectory is continuous)
            prof = profiled_to(profile, end_p)
            if end_p < awarded:
                spend = 0
            else:
                f = factor + trend * k + rng.uniform(-0.04, 0.04)
                target = min(central, round(prof * f))
                spend = max(spend_prev, target)
                if prof >= central:         # profile complete: close the gap steadily
                    spend = max(spend, spend_prev + round((central - spend_prev) * rng.uniform(0.25, 0.6)))
                spend = min(central, spend)
            spend_prev = spend

            # ---- milestone updates
            rows = []
            for m in ms:
                actual = d(m["actual_on"]) if m["actual_on"] else None
                if actual and actual < start_p:
                    continue
                if actual and actual <= end_p:
                    if not INCLUDE_COMPLETED_IN_PERIOD:
                        continue
                    comment = rng.choice([f"Delivered {long_date(actual)}.",
                                          "Complete; sign-off evidence submitted.", ""])
                    rows.append({"m": m, "forecast": actual, "status": "complete", "comment": comment})
                    prev_forecast[m["reference"]] = actual
                    continue
                base = d(m["baseline_on"])
                jitter = rng.randint(0, 40)
                if m["status"] == "cancelled":
                    if end_p < base - dt.timedelta(days=60):
                        f = base
                        status = "not_started" if end_p < base - dt.timedelta(days=LEAD_DAYS[m["category"]]) \
                            else "in_progress"
                        comment = ""
                    else:
                        f = month_end(end_p + dt.timedelta(days=100 + jitter))
                        status = "at_risk"
                        comment = ("Scope under review; the board is considering cancellation."
                                   if end_p < base + dt.timedelta(days=90) else
                                   "Cancellation proposed through change control; awaiting decision.")
                    rows.append({"m": m, "forecast": f, "status": status, "comment": comment})
                    prev_forecast[m["reference"]] = f
                    continue
                f = forecast_for(m, period, jitter)
                eventual = d(m["actual_on"] or m["forecast_on"])
                prev = prev_forecast.get(m["reference"])
                slip = (f - base).days
                cat = m["category"]
                if end_p < min(base, eventual) - dt.timedelta(days=LEAD_DAYS[cat]):
                    status = "not_started"
                    comment = rng.choice(NOT_STARTED_COMMENTS)
                elif slip > 90 and ((prev and (f - prev).days > 30)
                                    or (m["status"] == "at_risk" and k >= 8)
                                    or end_p > base):
                    status = "at_risk"
                    reason = COVID_SLIP if label in COVID_LABELS and rng.random() < 0.6 \
                        else rng.choice(SLIP_REASONS[cat])
                    if prev and prev != f:
                        comment = f"Forecast moved from {prev.isoformat()} because of {reason}."
                    else:
                        comment = f"Behind baseline because of {reason}."
                else:
                    status = "in_progress"
                    comment = rng.choice(IN_PROGRESS_COMMENTS[cat] if slip <= 90 else
                                         ["Working to the revised date.", "Revised plan holding.", ""])
                rows.append({"m": m, "forecast": f, "status": status, "comment": comment,
                             "prev": prev})
                prev_forecast[m["reference"]] = f

            # ---- which state is the return in?
            if (ods, label) in EARLIER_GAPS:
                continue
            if label == LAST_LABEL:
                state = LAST_PERIOD_STATE.get(ods, "approved")
                if state is None:
                    continue
            else:
                state = "approved"

            # ---- evidence and ratings
            open_rows = [r for r in rows if r["status"] != "complete"]
            done_rows = [r for r in rows if r["status"] == "complete"]
            worst = max(open_rows, key=lambda r: ((r["forecast"] - d(r["m"]["baseline_on"])).days,
                                                  r["m"]["reference"]), default=None)
            worst_slip = (worst["forecast"] - d(worst["m"]["baseline_on"])).days if worst else 0
            variance = None if prof == 0 or end_p < awarded else (spend - prof) * 100 / prof
            suggested = "green"
            if worst_slip > 180 or (variance is not None and abs(variance) > 25):
                suggested = "red"
            elif worst_slip > 90 or (variance is not None and abs(variance) > 10):
                suggested = "amber"
            # the trust's own view: smoothed over quarters and a little optimistic
            score = 2 - RATINGS.index(suggested)
            concern = score if concern is None else 0.5 * concern + 0.5 * score
            view = concern - optimism + rng.uniform(-0.15, 0.15)
            self_rating = "green" if view < 0.7 else "amber" if view < 1.5 else "red"

            pct = round(abs(variance)) if variance is not None else 0
            wn = noun(worst["m"]["title"]) if worst else key_noun
            fill = {"n": wn, "N": cap(wn), "days": worst_slip,
                    "when": month_year(worst["forecast"]) if worst else "",
                    "supplier": supplier or "the supplier", "pct": pct,
                    "what": rng.choice(SPEND_WHAT)}
            slip_driven = worst_slip > 90
            if end_p < awarded:
                just = ("No central funding has been released yet; the business case is on track "
                        "with the exemplar partner.")
            elif self_rating == "green":
                at_risk_now = any(r["status"] == "at_risk" for r in open_rows)
                just = rng.choice(GREEN_DONE_JUST if not open_rows else
                                  GREEN_SLIP_JUST if at_risk_now else GREEN_JUST)
            elif self_rating == "amber":
                if slip_driven or variance is None:
                    just = rng.choice(AMBER_SLIP_JUST)
                elif variance < 0:
                    just = rng.choice(AMBER_SPEND_JUST)
                else:
                    just = rng.choice(AMBER_OVERSPEND_JUST)
            else:
                just = rng.choice(RED_SLIP_JUST if slip_driven or variance is None or variance >= 0
                                  else RED_SPEND_JUST)
            just = just.format(**fill)

            # ---- narrative
            sentences = []
            if end_p < awarded:
                sentences.append(PRE_AWARD_SENTENCE)
            if done_rows:
                names = [noun(r["m"]["title"]) for r in done_rows]
                if len(names) == 1:
                    a = d(done_rows[0]["m"]["actual_on"])
                    b = d(done_rows[0]["m"]["baseline_on"])
                    late = (a - b).days
                    tail = (f", {late} days after the original baseline" if late > 30 else
                            f", {-late} days ahead of baseline" if late < -30 else ", on plan")
                    sentences.append(rng.choice([
                        f"{cap(names[0])} was completed on {long_date(a)}{tail}.",
                        f"This quarter the trust delivered {names[0]} ({long_date(a)}){tail}.",
                    ]))
                else:
                    sentences.append(f"{cap(', '.join(names[:-1]))} and {names[-1]} were all "
                                     "completed this quarter." if len(names) > 2 else
                                     f"{cap(names[0])} and {names[1]} were both completed this quarter.")
            if label in COVID_LABELS and len(sentences) < 2 and rng.random() < 0.55:
                sentences.append(rng.choice(COVID_SENTENCES))
            if len(sentences) < 2 and open_rows:
                risky = [r for r in open_rows if r["status"] == "at_risk"]
                r = risky[0] if risky else min(open_rows, key=lambda r: (r["forecast"], r["m"]["reference"]))
                n = noun(r["m"]["title"])
                when = month_year(r["forecast"])
                if r["status"] == "at_risk":
                    sentences.append(rng.choice([
                        f"{cap(n)} is now forecast for {when}; the delay is being managed through a recovery plan.",
                        f"{cap(n)} has slipped to {when} and is reported at risk.",
                        f"The forecast for {n} has moved to {when}, so the board has asked for a revised plan.",
                    ]))
                elif r["status"] == "not_started":
                    sentences.append(f"Planning has begun for {n}, forecast for {when}.")
                elif (r["forecast"] - d(r["m"]["baseline_on"])).days > 90:
                    sentences.append(rng.choice([
                        f"Work on {n} continues against the revised date of {when}.",
                        f"{cap(n)} is holding to its re-planned date of {when}.",
                    ]))
                else:
                    sentences.append(rng.choice([
                        f"Work continues on {n}, with {when} the current forecast.",
                        f"{cap(n)} is on track for {when}.",
                        f"Preparation for {n} is progressing towards its {when} forecast.",
                    ]))
            if not sentences:
                sentences.append(rng.choice(DONE_SENTENCES))
            narrative = " ".join(sentences[:2])

            # ---- workflow fields
            office_rating = office_comment = ""
            submitted_on = approved_on = None
            due = period["due_on"]
            if state in ("approved", "submitted", "returned"):
                if state == "approved":
                    late_chance = 0.3 if label == "2019/20 Q4" else 0.02
                    if rng.random() < late_chance:
                        submitted_on = due + dt.timedelta(days=rng.randint(1, 16))
                    else:
                        submitted_on = end_p + dt.timedelta(days=rng.randint(6, DUE_AFTER_DAYS))
                    approved_on = submitted_on + dt.timedelta(days=rng.randint(5, 20))
                    roll = rng.random()
                    moved = bool(worst and worst.get("prev") and worst["prev"] != worst["forecast"])
                    spend_off = variance is not None and pct > 10
                    concern_pool = ((OFFICE_WORSE_MOVED if moved else [])
                                    + (OFFICE_WORSE_SLIP if worst_slip > 90 else [])
                                    + (OFFICE_WORSE_SPEND if spend_off else []))
                    p_worse = 0.15 if RATINGS.index(suggested) < RATINGS.index(self_rating) else 0.04
                    better_pool = ((OFFICE_BETTER_SPEND if spend_off and variance < 0 else [])
                                   + (OFFICE_BETTER_SLIP if 0 < worst_slip <= 270 else []))
                    if roll < p_worse and self_rating != "red" and concern_pool:
                        office_rating = worse(self_rating)
                        office_comment = rng.choice(concern_pool)
                    elif roll > 0.95 and self_rating != "green" and suggested != "red" and better_pool:
                        office_rating = better(self_rating)
                        office_comment = rng.choice(better_pool)
                    else:
                        office_rating = self_rating
                        office_comment = rng.choice(OFFICE_AGREE if self_rating == "green"
                                                    else OFFICE_AGREE_CONCERN + OFFICE_AGREE[:2])
                    office_comment = office_comment.format(
                        r=office_rating, n=wn, pct=pct, days=worst_slip,
                        dir="below" if variance is not None and variance < 0 else "above")
                elif state == "submitted":
                    submitted_on = rng.choice([
                        end_p + dt.timedelta(days=rng.randint(20, DUE_AFTER_DAYS)),
                        AS_OF - dt.timedelta(days=rng.randint(2, 20)),
                    ])
                else:  # returned
                    submitted_on = end_p + dt.timedelta(days=rng.randint(18, DUE_AFTER_DAYS))
                    office_comment = RETURNED_COMMENTS[ods]

            if state == "draft" and ods in DRAFT_WITHOUT_TEXT:
                self_out, just, narrative = "", "", ""
            else:
                self_out = self_rating

            returns.append({
                "ods_code": ods, "period": label, "status": state,
                "spend_to_date": money(spend), "self_rating": self_out,
                "rating_justification": just, "narrative": narrative,
                "office_rating": office_rating, "office_comment": office_comment,
                "submitted_on": submitted_on.isoformat() if submitted_on else "",
                "approved_on": approved_on.isoformat() if approved_on else "",
            })

            out_rows = rows
            if state == "draft" and ods in DRAFT_MISSING_UPDATES:
                out_rows = rows[:-1]
            for r in out_rows:
                updates.append({
                    "ods_code": ods, "period": label, "milestone_reference": r["m"]["reference"],
                    "forecast_on": r["forecast"].isoformat(), "status": r["status"],
                    "comment": r["comment"],
                })

            # ---- risks
            active = [p for p in plan if p[2] <= k <= p[3]]
            for p in active:         # ratings move now and then: worse early, better late
                roll = rng.random()
                if k > (p[2] + p[3]) / 2 and roll < 0.3:
                    p[4] = min(2, p[4] + 1)
                elif k <= (p[2] + p[3]) / 2 and roll < 0.1:
                    p[4] = max(0, p[4] - 1)
            if not open_rows:                          # nothing left to deliver: fewer risks
                active = active[:1]
            if state == "draft":
                active = active[:1]
            active.sort(key=lambda p: (p[4], p[2], p[0]))
            for pos, p in enumerate(active[:3], start=1):
                risks.append({"ods_code": ods, "period": label, "position": str(pos),
                              "description": p[0], "rating": RATINGS[p[4]], "mitigation": p[1]})

    return {
        "reporting_periods.csv": [
            {"label": pr["label"], "frequency": pr["frequency"],
             "starts_on": pr["starts_on"].isoformat(), "ends_on": pr["ends_on"].isoformat(),
             "due_on": pr["due_on"].isoformat(), "status": pr["status"]} for pr in periods],
        "returns.csv": returns,
        "return_milestone_updates.csv": updates,
        "return_risks.csv": risks,
    }


def render(tables):
    out = {}
    for name in OUTPUTS:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(HEADERS[name])
        for row in tables[name]:
            w.writerow([row[c] for c in HEADERS[name]])
        out[name] = buf.getvalue()
    return out


# ---------------------------------------------------------------------------
# Checks (read the files back from disk, independently of the generator)
# ---------------------------------------------------------------------------
def check():
    errors = []

    def err(msg):
        errors.append(msg)

    def load(name):
        path = os.path.join(HERE, name)
        raw = open(path, "rb").read()
        if raw.startswith(b"\xef\xbb\xbf"):
            err(f"{name}: starts with a byte-order mark")
        if b"\r" in raw:
            err(f"{name}: contains \\r (line endings must be \\n)")
        if not raw.endswith(b"\n"):
            err(f"{name}: does not end with a newline")
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if rows[0] != HEADERS[name]:
            err(f"{name}: header {rows[0]} != {HEADERS[name]}")
        out = []
        for i, r in enumerate(rows[1:], start=2):
            if len(r) != len(HEADERS[name]):
                err(f"{name}:{i}: {len(r)} fields")
                continue
            for v in r:
                if any(ord(c) < 32 for c in v) or v != v.strip():
                    err(f"{name}:{i}: control character or surrounding space in {v!r}")
            row = dict(zip(HEADERS[name], r))
            row["_w"] = f"{name}:{i}"
            out.append(row)
        return out

    def date_or_err(s, w, col, required=True):
        if s == "":
            if required:
                err(f"{w}: {col} is empty")
            return None
        if not DATE_RE.fullmatch(s):
            err(f"{w}: {col} {s!r} is not YYYY-MM-DD")
            return None
        try:
            return d(s)
        except ValueError:
            err(f"{w}: {col} {s!r} is not a real date")
            return None

    parts, allocs, _profiles, milestones, _ = load_inputs()
    part = {p["ods_code"]: p for p in parts}
    ms_by = {(m["ods_code"], m["reference"]): m for ms in milestones.values() for m in ms}

    # reporting periods
    periods = load("reporting_periods.csv")
    expected = build_periods()
    per = {}
    for row in periods:
        if row["label"] in per:
            err(f"{row['_w']}: duplicate label {row['label']}")
        per[row["label"]] = row
        s = date_or_err(row["starts_on"], row["_w"], "starts_on")
        e = date_or_err(row["ends_on"], row["_w"], "ends_on")
        due = date_or_err(row["due_on"], row["_w"], "due_on")
        if row["frequency"] != "quarterly":
            err(f"{row['_w']}: frequency {row['frequency']!r}")
        if row["status"] not in ("open", "closed"):
            err(f"{row['_w']}: status {row['status']!r}")
        if s and e and due:
            row["_s"], row["_e"], row["_due"] = s, e, due
            if not (s < e and due == e + dt.timedelta(days=DUE_AFTER_DAYS)):
                err(f"{row['_w']}: dates out of order or due_on != ends_on + {DUE_AFTER_DAYS}")
    if [r["label"] for r in periods] != [p["label"] for p in expected]:
        err("reporting_periods.csv: labels are not 2018/19 Q1 .. 2020/21 Q4 in order")
    for row, p in zip(periods, expected):
        got = (row["starts_on"], row["ends_on"], row["status"])
        want = (p["starts_on"].isoformat(), p["ends_on"].isoformat(), p["status"])
        if got != want:
            err(f"{row['_w']}: {got} != {want}")
    order = {r["label"]: i for i, r in enumerate(periods)}

    # returns
    rets = load("returns.csv")
    ret_key = {}
    last_spend = {}
    last_spend_approved = {}
    for row in rets:
        w, ods, lab, st = row["_w"], row["ods_code"], row["period"], row["status"]
        if ods not in part:
            err(f"{w}: ods_code {ods} not in participants.csv")
            continue
        if lab not in per:
            err(f"{w}: period {lab!r} not in reporting_periods.csv")
            continue
        if (ods, lab) in ret_key:
            err(f"{w}: duplicate return for ({ods}, {lab})")
        ret_key[(ods, lab)] = row
        pr = per[lab]
        if pr.get("_e") and pr["_e"] < designation_date(part[ods]["designated_on"]):
            err(f"{w}: period ends before {ods} was designated")
        if st not in RETURN_STATUSES:
            err(f"{w}: status {st!r}")
        if st != "approved" and lab != LAST_LABEL:
            err(f"{w}: only the open period may hold non-approved returns")
        if not MONEY_RE.fullmatch(row["spend_to_date"]):
            err(f"{w}: spend_to_date {row['spend_to_date']!r} is not money")
        else:
            sp = to_pence(row["spend_to_date"])
            if sp > to_pence(allocs[ods]["central"]):
                err(f"{w}: spend {row['spend_to_date']} above central allocation {allocs[ods]['central']}")
            # rows are checked in file order, which is period order within a participant
            prev = last_spend.get(ods)
            if prev and (order[prev[0]] >= order[lab] or prev[1] > sp):
                err(f"{w}: spend decreases or periods out of order ({prev} -> {lab} {sp})")
            last_spend[ods] = (lab, sp)
            if st == "approved":
                prev = last_spend_approved.get(ods)
                if prev and prev[1] > sp:
                    err(f"{w}: spend decreases across approved returns")
                last_spend_approved[ods] = (lab, sp)
        for col in ("self_rating", "office_rating"):
            if row[col] not in ("", *RATINGS):
                err(f"{w}: {col} {row[col]!r}")
        sub = date_or_err(row["submitted_on"], w, "submitted_on", required=False)
        app = date_or_err(row["approved_on"], w, "approved_on", required=False)
        if st != "draft":
            for col in ("self_rating", "rating_justification", "narrative", "submitted_on"):
                if not row[col]:
                    err(f"{w}: {st} return has no {col}")
        if st == "approved":
            if not row["office_rating"] or not row["approved_on"]:
                err(f"{w}: approved return needs office_rating and approved_on")
        elif st == "returned":
            if not row["office_comment"] or row["approved_on"]:
                err(f"{w}: returned return needs office_comment and no approved_on")
        else:
            if row["office_rating"] or row["office_comment"] or row["approved_on"]:
                err(f"{w}: {st} return must not have office fields or approved_on")
        if st == "draft" and row["submitted_on"]:
            err(f"{w}: draft has submitted_on")
        if sub and pr.get("_e"):
            if sub < pr["_e"]:
                err(f"{w}: submitted_on {sub} before period end {pr['_e']}")
            if sub > AS_OF:
                err(f"{w}: submitted_on after {AS_OF}")
        if app:
            if not sub or app < sub:
                err(f"{w}: approved_on before submitted_on")
            elif not 5 <= (app - sub).days <= 20:
                err(f"{w}: approved {(app - sub).days} days after submission (want 5-20)")
            if app > AS_OF:
                err(f"{w}: approved_on after {AS_OF}")

    # milestone updates
    ups = load("return_milestone_updates.csv")
    seen = set()
    covered = defaultdict(set)
    for row in ups:
        w, ods, lab, ref = row["_w"], row["ods_code"], row["period"], row["milestone_reference"]
        if (ods, lab) not in ret_key:
            err(f"{w}: no return for ({ods}, {lab})")
            continue
        if (ods, ref) not in ms_by:
            err(f"{w}: milestone {ref} does not exist for {ods}")
            continue
        if (ods, lab, ref) in seen:
            err(f"{w}: duplicate update ({ods}, {lab}, {ref})")
        seen.add((ods, lab, ref))
        covered[(ods, lab)].add(ref)
        if row["status"] not in UPDATE_STATUSES:
            err(f"{w}: status {row['status']!r}")
        f = date_or_err(row["forecast_on"], w, "forecast_on")
        m = ms_by[(ods, ref)]
        actual = d(m["actual_on"]) if m["actual_on"] else None
        pr = per[lab]
        in_period = actual is not None and pr["_s"] <= actual <= pr["_e"]
        if (row["status"] == "complete") != in_period:
            err(f"{w}: status {row['status']} but actual_on is {m['actual_on'] or 'empty'}")
        if row["status"] == "complete" and f != actual:
            err(f"{w}: complete update's forecast_on {f} != actual_on {actual}")
        if row["status"] != "complete" and f and f <= pr["_e"]:
            err(f"{w}: open milestone forecast {f} is not after the period end")
    for (ods, lab), row in ret_key.items():
        pr = per[lab]
        want = set()
        for (o, ref), m in ms_by.items():
            if o != ods:
                continue
            actual = d(m["actual_on"]) if m["actual_on"] else None
            done_before = actual is not None and (actual < pr["_s"] if INCLUDE_COMPLETED_IN_PERIOD
                                                  else actual <= pr["_e"])
            if not done_before:
                want.add(ref)
        got = covered.get((ods, lab), set())
        if got - want:
            err(f"returns ({ods}, {lab}): updates for milestones already complete: {sorted(got - want)}")
        if row["status"] != "draft" and want - got:
            err(f"returns ({ods}, {lab}): {row['status']} return misses updates for {sorted(want - got)}")

    # risks
    rks = load("return_risks.csv")
    positions = defaultdict(list)
    for row in rks:
        w = row["_w"]
        key = (row["ods_code"], row["period"])
        if key not in ret_key:
            err(f"{w}: no return for {key}")
        if row["rating"] not in RATINGS:
            err(f"{w}: rating {row['rating']!r}")
        if not row["description"] or not row["mitigation"]:
            err(f"{w}: description and mitigation are required")
        positions[key].append(int(row["position"]) if row["position"].isdigit() else -1)
    for key, ps in positions.items():
        if sorted(ps) != list(range(1, len(ps) + 1)) or len(ps) > 3:
            err(f"return_risks {key}: positions {ps} are not 1..n with n <= 3")

    # summary
    print("Rows per file:")
    for name, rows in (("reporting_periods.csv", periods), ("returns.csv", rets),
                       ("return_milestone_updates.csv", ups), ("return_risks.csv", rks)):
        print(f"  {name:32s} {len(rows):5d}")
    last = Counter(r["status"] for r in rets if r["period"] == LAST_LABEL)
    missing = sorted(p for p in part if (p, LAST_LABEL) not in ret_key)
    print(f"{LAST_LABEL}: " + ", ".join(f"{k} {last[k]}" for k in
                                        ("approved", "submitted", "draft", "returned"))
          + f", not reported {len(missing)} ({', '.join(missing)})")
    gaps = sorted((p, lab) for p in part for lab in per if lab != LAST_LABEL
                  and (p, lab) not in ret_key
                  and per[lab]["_e"] >= designation_date(part[p]["designated_on"]))
    print("Earlier periods not reported: " + ", ".join(f"{p} {lab}" for p, lab in gaps))
    approved = [r for r in rets if r["status"] == "approved"]
    disagree = sum(r["office_rating"] != r["self_rating"] for r in approved)
    print("Self ratings: " + str(dict(Counter(r["self_rating"] or "(none)" for r in rets))))
    print(f"Office rating differs from self rating on {disagree} of {len(approved)} approved returns "
          f"({disagree * 100 / len(approved):.0f}%)")
    print("Milestone update statuses: " + str(dict(Counter(r["status"] for r in ups))))
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return False
    print("\nOK: all checks passed")
    return True


def main():
    if "--check" not in sys.argv[1:]:
        first = render(generate())
        second = render(generate())
        if first != second:
            print("generation is not deterministic")
            return 1
        for name, text in first.items():
            with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
    return 0 if check() else 1


if __name__ == "__main__":
    sys.exit(main())
