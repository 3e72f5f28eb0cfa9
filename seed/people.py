"""Party members and party work: members, grid staffing, points, activities, meetings, wishes, tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from data_access.dataset_format.spec import id_check_digit

from . import names
from .places import Structure, _allocate

PARTY_MEMBERS = 25_218
ACTIVITIES = 3_677
PARTICIPATIONS = 17_807
JOINT_MEETINGS = 251
MICRO_WISHES_POSTED = 2_420
MICRO_WISHES_FULFILLED = 2_168

# members an org of each kind has, relative to a community
MEMBER_WEIGHT = {
    "town": 1.2,
    "street": 0.8,
    "park": 0.5,
    "scenic": 0.4,
    "community": 1.6,
    "village": 1.1,
    "enterprise": 0.22,
    "agency": 1.3,
    "institution": 0.9,
    "social_org": 0.15,
}
EDUCATION = ["初中及以下", "高中/中专", "大专", "本科", "研究生"]
# three meetings and one lecture dominate the system's records
ACTIVITY_WEIGHTS = np.array([10, 16, 18, 9, 14, 4, 2, 8, 6, 5, 4, 2, 2], dtype=float)


@dataclass
class People:
    member_ids_of_org: dict[int, np.ndarray] = field(default_factory=dict)
    member_street: np.ndarray | None = None
    n_members: int = 0


def identity_number(first17: str) -> str:
    """A well-formed identity number: the 17 digits and their check digit (GB 11643-1999)."""
    return first17 + id_check_digit(first17)


def _window(as_of: date) -> tuple[date, date]:
    return date(as_of.year - 5, as_of.month, as_of.day) + timedelta(days=1), as_of


def _dates(rng: np.random.Generator, n: int, lo: date, hi: date, growth: float = 0.0) -> np.ndarray:
    """n ordinal days in [lo, hi]; growth > 0 puts more of them near hi (the work grew over time)."""
    u = rng.random(n)
    if growth:
        u = np.log1p(u * np.expm1(growth)) / growth
    return (lo.toordinal() + np.floor(u * (hi.toordinal() - lo.toordinal() + 1))).astype(int)


def members(rng: np.random.Generator, s: Structure, scale: float, as_of: date, out: People):
    """Member rows; fills out with who belongs where."""
    n = round(PARTY_MEMBERS * scale)
    orgs = [o for o in s.orgs if o.kind != "district"]
    weights = np.array([MEMBER_WEIGHT[o.kind] for o in orgs]) * rng.uniform(0.6, 1.4, len(orgs))
    counts = _allocate(n, weights, min(3, n // len(orgs)))
    org_of = np.repeat([o.id for o in orgs], counts)
    out.n_members = n
    ids = np.arange(1, n + 1)
    kinds = np.repeat([o.kind for o in orgs], counts)
    street = np.array([s.org(o).street_id or 0 for o in org_of])
    community = np.array([s.org(o).community_id or 0 for o in org_of])
    out.member_street = street
    start = 0
    for o, c in zip(orgs, counts):
        out.member_ids_of_org[o.id] = ids[start : start + c]
        start += c

    residential = np.isin(kinds, ["community", "village"])
    age = np.where(residential, rng.normal(58, 14, n), rng.normal(42, 10, n)).clip(20, 95).astype(int)
    birth = np.array([as_of.toordinal() - int(a * 365.25) - int(d) for a, d in zip(age, rng.integers(0, 365, n))])
    years_in = np.minimum(age - 18, rng.gamma(2.0, 9.0, n).astype(int) + 1)
    joined = as_of.toordinal() - (years_in * 365.25).astype(int) - rng.integers(0, 365, n)
    edu_p = np.where(residential[:, None], [0.25, 0.3, 0.2, 0.22, 0.03], [0.03, 0.1, 0.27, 0.48, 0.12])
    edu = (rng.random(n)[:, None] > np.cumsum(edu_p, axis=1)).sum(axis=1)
    employed = ~residential & (age < 60)
    all_comms = np.array(s.community_ids)
    reported = np.where(employed & (rng.random(n) < 0.85), rng.choice(all_comms, n), 0)
    home_comm = np.where(community > 0, community, reported)
    gender = np.where(rng.random(n) < 0.63, "M", "F")
    person = names.person_names(rng, n)
    phone_tail = rng.integers(0, 10**8, n)
    id_tail = rng.integers(0, 10**4, n)
    live_draw = rng.random(n)
    pick = rng.random(n)
    rows = []
    for i in range(n):
        hc = int(home_comm[i])
        bg = None
        if hc and live_draw[i] < 0.9:
            groups = s.groups_of[hc]
            bg = groups[int(pick[i] * len(groups))]
        bd = date.fromordinal(int(birth[i]))
        rows.append(
            (
                int(ids[i]),
                f"M{ids[i]:07d}",
                person[i],
                str(gender[i]),
                bd,
                EDUCATION[int(edu[i])],
                date.fromordinal(int(max(joined[i], birth[i] + 18 * 366))),
                int(org_of[i]),
                int(street[i]) or None,
                int(community[i]) or None,
                bg,
                bool(employed[i]),
                int(reported[i]) or None,
                f"1{rng_digit(i)}{phone_tail[i]:09d}"[:11],
                identity_number(f"410103{bd:%Y%m%d}{id_tail[i] % 1000:03d}"),
            )
        )
    return rows


def rng_digit(i: int) -> str:
    """Second digit of a mobile number (3, 5, 7, 8 or 9), spread evenly."""
    return "35789"[i % 5]


def grid_staff(rng: np.random.Generator, s: Structure, people: People):
    """1+X staffing: a leader and grid members for every grid; a few building areas have gaps."""
    rows = []
    by_comm: dict[int, np.ndarray] = {}
    for cid in s.community_ids:
        ms = [people.member_ids_of_org.get(cid, np.array([], int))]
        ms += [people.member_ids_of_org[o.id] for o in s.orgs if o.community_id == cid and o.id != cid]
        by_comm[cid] = np.concatenate(ms) if ms else np.array([], int)
    everyone = np.arange(1, people.n_members + 1)
    for g in s.grids:
        gid, level, community_id = g[0], g[3], g[7]
        pool = by_comm.get(community_id) if community_id else None
        if pool is None or len(pool) == 0:
            pool = everyone
        if level == 4:
            has_leader = rng.random() > 0.05
            n_members = int(rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4], p=[0.06] + [0.94 / 8] * 8))
        else:
            has_leader, n_members = True, {1: 12, 2: 6, 3: 4}[level]
        k = min(len(pool), n_members + int(has_leader))
        chosen = rng.choice(pool, k, replace=False)
        for j, m in enumerate(chosen):
            role = "leader" if (has_leader and j == 0) else "member"
            rows.append((len(rows) + 1, gid, int(m), role))
    return rows


def org_points(rng: np.random.Generator, s: Structure, as_of: date):
    """堡垒积分 per quarter for every grassroots org: a steady level plus a trend and noise."""
    start, _ = _window(as_of)
    quarters = []
    y, q = start.year, (start.month - 1) // 3
    while date(y, q * 3 + 1, 1) <= as_of:
        quarters.append(date(y, q * 3 + 1, 1))
        q += 1
        if q == 4:
            y, q = y + 1, 0
    rows = []
    for o in s.orgs:
        if o.kind == "district":
            continue
        level, trend = rng.normal(78, 7), rng.normal(0.4, 0.5)
        for i, p in enumerate(quarters):
            rows.append((o.id, p, round(float(np.clip(level + trend * i + rng.normal(0, 3), 30, 100)), 1)))
    return rows


def member_points(rng: np.random.Generator, people: People, as_of: date):
    """先锋积分 per year for every member."""
    start, _ = _window(as_of)
    years = [date(y, 1, 1) for y in range(start.year, as_of.year + 1)]
    n = people.n_members
    base = rng.gamma(4.0, 12.0, n)
    for y in years:
        pts = np.round(base * rng.uniform(0.7, 1.3, n), 1)
        yield from zip(range(1, n + 1), [y] * n, pts.tolist())


# 三会一课: the four items and how often each is due (the standard rule: 支委会 and 党小组会 monthly,
# 支部党员大会 and 党课 quarterly)
MONTHLY_MEETINGS = ("committee_meeting", "group_meeting")
QUARTERLY_MEETINGS = ("branch_meeting", "party_lecture")
# The system's records (依托系统开展各类党内活动3677次) begin when an organisation joins the system: the
# community and village orgs first, a pilot share of the others after them. Each org in the system holds
# each item due with its own probability: most ~95 %, a minority of laggards ~55 %; a few community/village
# orgs stopped recording three months before the data date (the warnings' 三会一课 gaps).
MEETING_SHARE = 0.82  # of the activities, the share that are 三会一课 (the rest: 主题党日, 组织生活会 …)
PILOT_SHARE = 0.2  # of the orgs other than community and village, the share in the system
LAGGARD_SHARE, LAPSED_SHARE, LAPSED_MONTHS = 0.1, 0.07, 3


def activities(rng: np.random.Generator, s: Structure, people: People, scale: float, as_of: date):
    """Activity and participation rows: exactly round(3,677 x scale) activities with exactly
    round(17,807 x scale) participations, recorded from the month each org joined the system.

    An org's 三会一课 follow the standard rule at its own rate from that month on; how far back the
    system reaches (the joins, spread so that a few pilots joined early and most later) is solved so
    that the 三会一课 make up MEETING_SHARE of the total."""
    n_act = round(ACTIVITIES * scale)
    n_part = round(PARTICIPATIONS * scale)
    start, _end = _window(as_of)
    own = rng.spawn(1)[0]  # a stream of its own: rng itself moves on exactly as the earlier generator moved it
    _earlier_draws(rng, s, people, n_act, n_part, start, as_of)
    orgs = [o for o in s.orgs if o.kind != "district" and len(people.member_ids_of_org.get(o.id, ())) > 0]
    residential = np.array([o.kind in ("community", "village") for o in orgs])
    in_system = residential | (own.random(len(orgs)) < PILOT_SHARE)
    orgs = [o for o, keep in zip(orgs, in_system) if keep]
    residential = residential[in_system]
    n_org = len(orgs)
    months = [_month_back(as_of, j) for j in range(_months_between(start, as_of))]  # j = 0: as_of's month
    n_mon = len(months)
    # how many months back each org has been in the system: T x key**3 (a few pilots early, most late);
    # community and village orgs joined before the others, and no org before it was established
    key = np.where(residential, 1 - 0.6 * own.random(n_org), 0.75 * own.random(n_org))
    oldest = np.array([_months_between(max(o.established_on or start, start), as_of) for o in orgs])
    rate = np.where(own.random(n_org) < LAGGARD_SHARE, own.beta(6, 5, n_org), own.beta(30, 1.6, n_org))
    lapsed = residential & (own.random(n_org) < LAPSED_SHARE)
    draw = own.random((n_org, n_mon, 4))  # per org, month and item: held when below the org's rate
    q_pick = own.random((n_org, n_mon, 2))  # which month of its quarter a quarterly item falls in
    quarter = np.array([(mo.year, (mo.month - 1) // 3) for mo in months])

    def schedule(t: float) -> list[tuple[int, int, str]]:
        """(org index, month index, kind) of the 三会一课 held when the system reaches t months back."""
        tenure = np.minimum(np.ceil(t * key**3).astype(int), oldest)
        out = []
        for i in range(n_org):
            live = [j for j in range(min(tenure[i], n_mon)) if not (lapsed[i] and j < LAPSED_MONTHS)]
            if not live:
                continue
            for j in live:
                for k, kind in enumerate(MONTHLY_MEETINGS):
                    if draw[i, j, k] < rate[i]:
                        out.append((i, j, kind))
            by_quarter: dict[tuple[int, int], list[int]] = {}
            for j in live:
                by_quarter.setdefault(tuple(quarter[j]), []).append(j)
            for js in by_quarter.values():
                for k, kind in enumerate(QUARTERLY_MEETINGS):
                    if draw[i, js[0], 2 + k] < rate[i]:
                        out.append((i, js[int(q_pick[i, js[0], k] * len(js))], kind))
        return out

    want = round(n_act * MEETING_SHARE)
    lo, hi = 0.0, float(n_mon) * 8
    if len(schedule(hi)) <= want:
        lo = hi
    else:
        for _ in range(40):  # the furthest reach whose 三会一课 stay within the share
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if len(schedule(mid)) <= want else (lo, mid)
    meetings = schedule(lo)[:n_act]
    tenure = np.minimum(np.ceil(lo * key**3).astype(int), oldest)
    # the other activities (主题党日, 组织生活会 …) of the orgs in the system, in their months in it
    other_kinds = [
        k for k, (code, _l) in enumerate(names.ACTIVITY_TYPES) if code not in (*MONTHLY_MEETINGS, *QUARTERLY_MEETINGS)
    ]
    w = ACTIVITY_WEIGHTS[other_kinds]
    seats = np.repeat(np.arange(n_org), np.maximum(tenure, 0))
    n_other = n_act - len(meetings)
    who = own.choice(seats, n_other) if len(seats) else own.choice(n_org, n_other)
    rows = [
        (i, j, names.ACTIVITY_TYPES[j_kind][0])
        for i, j, j_kind in zip(
            who.tolist(),
            [int(own.integers(max(int(tenure[i]), 1))) for i in who],
            own.choice(other_kinds, n_other, p=w / w.sum()).tolist(),
        )
    ]
    rows = sorted(meetings + rows, key=lambda r: (months[r[1]], r[0]), reverse=False)
    days = []
    for _i, j, _k in rows:
        first = months[j]
        last = min(_month_back(as_of, j - 1) - timedelta(days=1) if j > 0 else as_of, as_of)
        days.append(first.toordinal() + int(own.integers(last.toordinal() - first.toordinal() + 1)))
    order = np.argsort(np.array(days), kind="stable")
    rows = [rows[i] for i in order]
    days = [days[i] for i in order]

    size = np.array([len(people.member_ids_of_org[orgs[i].id]) for i, _j, _k in rows])
    cap = size
    want_p = 1 + own.multinomial(n_part - n_act, cap / cap.sum())
    count = np.minimum(want_p, cap)
    short = n_part - int(count.sum())
    while short > 0:  # top up activities that still have room until the total is exact
        room = np.flatnonzero(count < cap)
        if len(room) == 0:  # only at tiny scales: orgs too small to seat everyone; stay consistent
            break
        take = room[:short]
        count[take] += 1
        short -= len(take)
    labels = dict(names.ACTIVITY_TYPES)
    act_rows, part_rows = [], []
    for n, ((i, _j, code), day) in enumerate(zip(rows, days)):
        o = orgs[i]
        bg = None
        if code == "group_meeting" and o.kind in ("community", "village"):
            bg = int(own.choice(s.groups_of[o.id]))
        held = date.fromordinal(int(day))
        act_rows.append(
            (n + 1, o.id, o.street_id, o.community_id, bg, code, f"{held:%Y年%m月}{labels[code]}", held, int(count[n]))
        )
        for mem in own.choice(people.member_ids_of_org[o.id], int(count[n]), replace=False):
            part_rows.append((n + 1, int(mem)))
    return act_rows, part_rows


def _earlier_draws(rng, s: Structure, people: People, n_act: int, n_part: int, start: date, end: date) -> None:
    """The draws the earlier activity generator took from rng (activities scattered over five years and
    every org), taken and dropped, so that every table generated after the activities stays as it was."""
    orgs = [o for o in s.orgs if o.kind != "district" and len(people.member_ids_of_org.get(o.id, ())) > 0]
    size = np.array([len(people.member_ids_of_org[o.id]) for o in orgs])
    pick = rng.choice(len(orgs), n_act, p=size / size.sum())
    cap = size[pick]
    count = np.minimum(1 + rng.multinomial(n_part - n_act, cap / cap.sum()), cap)
    short = n_part - int(count.sum())
    while short > 0:
        room = np.flatnonzero(count < cap)
        if len(room) == 0:
            break
        take = room[:short]
        count[take] += 1
        short -= len(take)
    _dates(rng, n_act, start, end, growth=1.2)
    kinds = rng.choice(len(names.ACTIVITY_TYPES), n_act, p=ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum())
    for i in range(n_act):
        o = orgs[int(pick[i])]
        if names.ACTIVITY_TYPES[int(kinds[i])][0] == "group_meeting" and o.kind in ("community", "village"):
            rng.choice(s.groups_of[o.id])
        rng.choice(people.member_ids_of_org[o.id], int(count[i]), replace=False)


def _month_back(as_of: date, j: int) -> date:
    """The first day of the month j months before as_of's month (j = -1: the month after)."""
    y, mo = divmod(as_of.year * 12 + as_of.month - 1 - j, 12)
    return date(y, mo + 1, 1)


def _months_between(first: date, as_of: date) -> int:
    """Months from first's month to as_of's month, both included."""
    return (as_of.year - first.year) * 12 + as_of.month - first.month + 1


def joint_meetings(rng: np.random.Generator, s: Structure, as_of: date):
    """The 251 joint meetings of 大工委 and 大党委."""
    start, end = _window(as_of)
    joint = [o for o in s.orgs if o.is_joint]
    pick = rng.choice(len(joint), JOINT_MEETINGS)
    days = _dates(rng, JOINT_MEETINGS, start, end, growth=0.8)
    return [
        (
            i + 1,
            joint[p].id,
            joint[p].street_id,
            joint[p].community_id,
            date.fromordinal(int(d)),
            int(rng.integers(5, 30)),
        )
        for i, (p, d) in enumerate(zip(pick, days))
    ]


def micro_wishes(rng: np.random.Generator, s: Structure, people: People, scale: float, as_of: date):
    """Micro-wishes: most fulfilled, some claimed and pending, some still waiting."""
    n = round(MICRO_WISHES_POSTED * scale)
    n_done = round(MICRO_WISHES_FULFILLED * scale)
    n_claimed = n_done + (n - n_done) // 2
    start, end = _window(as_of)
    wishes = [
        "轮椅一台",
        "冬衣一套",
        "助听器",
        "学习用品",
        "米面油",
        "电暖器",
        "老花镜",
        "书包文具",
        "血压计",
        "保温杯",
        "棉被",
        "电饭煲",
        "图书一套",
        "康复器材",
        "营养品",
    ]
    rows = []
    posted = _dates(rng, n, start, end - timedelta(days=40), growth=1.0)
    for i in range(n):
        cid = int(rng.choice(s.community_ids))
        bg = int(rng.choice(s.groups_of[cid]))
        p = date.fromordinal(int(posted[i]))
        claimed_by = claimed_on = fulfilled_on = None
        if i < n_claimed:
            claimed_by = int(rng.integers(1, people.n_members + 1))
            claimed_on = min(end, p + timedelta(days=int(rng.integers(0, 15))))
            if i < n_done:
                fulfilled_on = min(end, claimed_on + timedelta(days=int(rng.integers(1, 25))))
        rows.append(
            (
                i + 1,
                f"{s.org(cid).name.replace('社区党委', '社区')}居民微心愿：{rng.choice(wishes)}",
                s.community_street[cid],
                cid,
                bg,
                p,
                claimed_by,
                claimed_on,
                fulfilled_on,
            )
        )
    return rows


def supervision_tasks(rng: np.random.Generator, s: Structure, as_of: date):
    """40 key tasks a year for every street/town and 32 district responsibilities; a few overdue."""
    start, _ = _window(as_of)
    rows = []
    streets = [s.org(sid) for sid in s.street_ids]
    for year in range(start.year, as_of.year + 1):
        assignees = [(o, names.TASK_TITLES) for o in streets]
        assignees.append((s.org(1), names.TASK_TITLES[:32]))
        for o, titles in assignees:
            for t, title in enumerate(titles):
                assigned = date(year, 1, int(rng.integers(5, 25)))
                due = date.fromordinal(int(rng.integers(date(year, 2, 1).toordinal(), date(year, 12, 31).toordinal())))
                completed = None
                if due <= as_of:
                    late = rng.random()
                    if late < 0.94 or year < as_of.year:
                        completed = min(as_of, due - timedelta(days=int(rng.integers(-10, 40))))
                        completed = max(completed, assigned)
                elif rng.random() < 0.35:
                    completed = date.fromordinal(int(rng.integers(assigned.toordinal(), as_of.toordinal() + 1)))
                code = f"T{year}{o.code}{t + 1:02d}"
                aspect = names.TASK_ASPECTS[t % len(names.TASK_ASPECTS)]
                rows.append(
                    (
                        len(rows) + 1,
                        code,
                        f"{year}年{title}",
                        aspect,
                        o.id,
                        o.street_id,
                        o.community_id,
                        assigned,
                        due,
                        completed,
                    )
                )
    return rows
