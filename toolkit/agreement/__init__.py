"""Agreement between coders: pairing their events, Krippendorff's alpha at every level of the
codebook, adjudication and the release's choice of one coding per article.

Modules: :mod:`~toolkit.agreement.levels` (level names, minimums; light),
:mod:`~toolkit.agreement.codings` (who coded what, the release's selection),
:mod:`~toolkit.agreement.pairing` (units of paired events), :mod:`~toolkit.agreement.alpha`
(alpha in polars), :mod:`~toolkit.agreement.measure` (the report) and
:mod:`~toolkit.agreement.adjudicate` (the adjudicated file). See ``docs/agreement.md``.
"""
