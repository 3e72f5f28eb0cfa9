"""Live-data simulator: plays the district's feeding systems, writing plausible activity at the current time.

`python -m seed.simulate [--url URL] [--tick SECONDS] [--speed X] [--duration SECONDS] [--seed N]`

The dashboard's database is live: the party-member information system, the 二七志愿汇 volunteer app and
the micro-wish and supervision systems write into it all day. For a demo this module plays those programs:
every tick it writes a little of each with plain SQLAlchemy Core statements through its own engine, each
system in its own short transaction, stamped with datetime.now() (naive local time, like the rest of the
data). It never calls the dashboard's summary code: the database's change capture picks its writes up.

Rates at speed 1, per minute, at the day's busiest hour (09:00) of an average weekday (Saturday about 1.5x,
Monday 0.8x). The hour-of-day and weekday profile of the seed (seed.service HOUR_P, WEEKDAY_P) scales them
through the day, down to a floor of 5 % of the peak so a demo still moves at night. With the default
2-second tick that is about 1.5 service records a tick, a request every 4 ticks and an activity a minute:

    service records 45        new service requests 8        party activities (with participants) 1
    micro-wishes posted / claimed / fulfilled 0.5 each      supervision tasks opened / completed 0.3 each
    members joining / transferring 0.3 each (with their dated spells)   records deleted / corrected 0.2 each
    an activity's participants corrected 0.2

`--speed X` multiplies all of them. Open requests (ordered in the last two days) advance
ordered → dispatched → accepted → done → rated when their wait is over; the waits have the seed's
lognormal shape (seed.service.requests) with its hours read as minutes (medians about 3, 5, 20 and 33
minutes, some answered in a minute, some after hours), and the seed's odds of a stage never coming (3 %
never dispatched, 1–40 % never accepted depending on the station, 4 % never done, 18 % never rated).
At most max(4, 1.6 x speed x tick seconds) requests advance in one tick, so a backlog found at start trickles in.

The package, one module a part: loop (the Simulator: rates, the day's rhythm, step and run), one writer a
feeding system (volunteer_app: 二七志愿汇; member_system: the party-member information system; wishes: the
micro-wish system; supervision: the supervision system), reference (the rows they write against, read once),
tick (what a step hands its writers) and cli (`python -m seed.simulate`).
"""

from .cli import main
from .loop import PEAK_PER_MINUTE, Simulator, rhythm
from .reference import Reference, load_reference
from .volunteer_app import STAGE_COLUMN, STAGES

__all__ = [
    "PEAK_PER_MINUTE",
    "STAGES",
    "STAGE_COLUMN",
    "Reference",
    "Simulator",
    "load_reference",
    "main",
    "rhythm",
]
