"""Churn early warning: indicators, the additive model (format, scoring, training),
evaluation figures and the retention playbook. Pure: no I/O, no Qt."""
