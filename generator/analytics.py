"""Which cross-source analytics models a store gets: the marts that combine several sources.

A source module lists the dbt files that depend on it alone (its staging models). Models that need
more than one input — currency conversion, costs, attribution, blended KPIs — are chosen here from
what the store configures, so that a store without ads gets no ad-spend mart and one without GA4
gets touchpoints from its order UTMs.
"""

from __future__ import annotations

from generator.model import Merchant


def dbt_templates(merchant: Merchant) -> tuple[str, ...]:
    """The analytics-layer dbt files (paths under dbt_templates/) this store needs, sorted."""
    templates: list[str] = []
    return tuple(sorted(templates))
