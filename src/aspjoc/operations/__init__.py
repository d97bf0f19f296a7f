"""Operations: time-boxed multi-country waves with targets, per-country packages, tasks, the action log,
outcomes computed from it, takedown requests and freeze or stop-payment requests racing a legal clock.

The sub-packages ``graph`` (link analysis) and ``evidence`` (chain of custody) are capabilities of their own.
"""
