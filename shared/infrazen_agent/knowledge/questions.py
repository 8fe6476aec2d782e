"""Which questions ask for guidance rather than for the tenant's figures: how to do something, what
a term or a FOCUS column means, what a provider does differently, what to watch out for. Both
chats use it: the model is offered `search_knowledge` only then (its schema costs tokens on every
call), and the offline chat answers such a question with passages from the knowledge base."""

from __future__ import annotations

import re

GUIDANCE = re.compile(
    "|".join(
        (
            # Russian
            r"подводн\w*",
            r"нюанс\w*",
            r"особенност\w*",
            r"на что обратить",
            r"что (?:нужно |надо |стоит )?учесть",
            r"лучш\w* практик\w*",
            r"гайд\w*",
            r"руководств\w*",
            r"как (?:правильно|лучше|настро\w*|выбр\w*|сдела\w*|посчит\w*|считает\w*|устро\w*|работа\w*|"
            r"перее\w*|мигрир\w*|тарифици\w*|оплачива\w*|очист\w*|почист\w*|размет\w*|тегир\w*|"
            r"резервир\w*|rightsiz\w*|понять|читать|сравни\w*|уменьш\w*)",
            r"что (?:такое|означа\w*|значит)",
            r"чем (?:отлича\w*|различа\w*)",
            r"в ч[её]м разниц\w*",
            r"разниц\w* между",
            r"отлича\w* (?:ли|от|между)",
            r"\bндс\b",
            r"тегир\w*",
            r"\bтег(?:и|ов|ам|ами|ах)?\b",
            r"политик\w* (?:тег|мет)\w*",
            r"райтсайз\w*",
            r"резервир\w*",
            r"обязательств\w*",
            r"исходящ\w* трафик\w*",
            r"единиц\w* (?:тарифик|измер)\w*",
            r"s3.?совмест\w*",
            r"управляем\w* (?:kubernetes|k8s|баз\w*|субд|postgres\w*)",
            # English
            r"how (?:do|should|can|could) (?:i|we|you)\b",  # not "how does the trend look": that is data
            r"how to\b",
            r"what does [\w\s-]{1,40}\bmean\b",
            r"\bmeaning of\b",
            r"\bstand for\b",
            r"difference between",
            r"\bdiffer(?:s|ent|ence)?\b",
            r"gotchas?\b",
            r"pitfalls?\b",
            r"caveats?\b",
            r"watch out",
            r"best practices?",
            r"guid(?:e|ance|elines?)\b",
            r"\bvat\b",
            r"rightsiz\w*",
            r"right-siz\w*",
            r"tagging",
            r"\btags?\b",
            r"tag(?:ging)? polic\w*",
            r"reserved instances?",
            r"commitments?\b",
            r"committed",
            r"\begress\b",
            r"pricing units?",
            r"s3.?compatible",
            r"managed (?:kubernetes|k8s|databases?|dbaas|postgres\w*)",
            # FOCUS (either language)
            r"\bfocus\b",
            r"effectivecost|billedcost|listcost|contractedcost|chargecategory|chargeperiod\w*|"
            r"servicecategory|subaccount\w*|billingaccount\w*|serviceprovidername|providername|chargeclass",
        )
    ),
    re.IGNORECASE,
)


def asks_for_guidance(question: str) -> bool:
    return GUIDANCE.search(question) is not None
