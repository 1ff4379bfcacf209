"""Spend analysis: a council's published payments read, attributed to places and measured (the Preston method).

Pure rules, no database and no Flask: reading a payment's cells (:mod:`amounts`, :mod:`dates`, :mod:`columns`,
:mod:`rows`), naming suppliers (:mod:`suppliers`), classifying them (:mod:`classification`), the batch's states
(:mod:`lifecycle`) and the report's periods and shares (:mod:`periods`, :mod:`shares`).
"""
