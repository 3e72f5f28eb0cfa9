"""Live-data simulator (`python -m seed.simulate`): plays the district's feeding systems, writing plausible
activity at the current time; the loop and its writers are in seed.simulate.loop."""

from .loop import STAGE_COLUMN, STAGES, Reference, Simulator, load_reference, main, rhythm

__all__ = ["STAGE_COLUMN", "STAGES", "Reference", "Simulator", "load_reference", "main", "rhythm"]
