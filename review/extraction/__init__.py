"""Evidence extraction and quality appraisal: the form filled in per included study.

Values are append-only events (``extraction_values``); a copy's current value
is its latest event per field. Each extractor fills in their own copy of the
form; the consensus record (copy ``''``) holds a lead's or third reviewer's
resolutions and a verifier's edits. Which values a reader may see follows the
protocol's mode (:mod:`review.extraction.state`): in ``dual`` mode another
extractor's copy stays hidden until both have marked the study complete or a
lead unblinds extraction.
"""
