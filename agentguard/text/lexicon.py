"""Word lists the default estimator reads: stopwords, hedges, negations, non-factual openers."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each else even
    ever every few for from further had has have having he her here hers herself him himself his
    how however i if in into is it its itself just let me more most much must my myself no nor not
    now of off on once only or other our ours ourselves out over own same shall she should so some
    such than that the their theirs them themselves then there these they this those through to too
    under until up upon us very was we were what when where which while who whom whose why will
    with within without would yes yet you your yours yourself yourselves s t d ll m re ve
    one ones get got gets""".split()
)

COMMON_CAPITALISED = STOPWORDS | frozenset(
    """sure okay ok great thanks thank please hello hi hey dear unfortunately certainly of-course
    absolutely perfect alright well yes no here there let i'll i'm i've we'll we're you'll you're
    based according note also however therefore sorry good done booked your our their my
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    welcome congratulations great awesome anything something nothing everything once
    """.split()
)

NEGATIONS = frozenset(
    """not no never none nobody nothing neither nor cannot can't won't isn't aren't wasn't weren't
    doesn't don't didn't hasn't haven't hadn't shouldn't wouldn't couldn't without n't""".split()
)

# Phrases that mark a claim as an assumption or as uncertain, said by the output itself.
# The look-behind and look-ahead let the engine skip, in C, every position that is not the start
# of a word beginning with one of these letters, instead of trying thirty phrases at each.
HEDGE_RE = re.compile(
    r"(?<![\w'’])(?=[iapmlsuncb])(?:i(?:'|’)?ll assume|i(?:'|’)?m assuming|i assume|assuming"
    r"|i(?:'|’)?ve assumed"
    r"|i think|i believe|i guess|i suppose|probably|likely|possibly|perhaps|maybe|might|may be"
    r"|it seems|seems to|appears to|not sure|unsure|uncertain|if i(?:'|’)?m not mistaken"
    r"|unless you (?:say|tell me|specify|prefer|want)|let me know if|correct me if|as a guess"
    r"|i(?:'|’)?d guess|by default|(?:please )?confirm(?:ing)? (?:that|whether|if)?)\b",
    re.IGNORECASE,
)

# Sentences that open like this state an intent, an offer or a courtesy, not a fact.
NONFACTUAL_RE = re.compile(
    r"^\W*(?:sure|okay|ok|of course|certainly|absolutely|great|thanks|thank you|hello|hi|hey"
    r"|no problem|happy to help|glad to help|i can help|i(?:'|’)?d be happy"
    r"|i(?:'|’)?ll\b|i will\b|i(?:'|’)?m (?:going to|about to)|i am going to|let(?:'|’)s\b"
    r"|let me|one moment|just a moment|please|feel free|is there anything|anything else"
    r"|have a (?:great|good|nice|wonderful|safe)|you(?:'|’)?re welcome|sorry|i apologi[sz]e"
    r"|i understand|enjoy|safe travels|take care|good luck|i hope|hope (?:this|that|you)"
    r"|i(?:'|’)?m (?:checking|looking|searching|working|booking|processing)\b"
    r"|i(?:'|’)?m (?:going to|about to)|i will (?:now )?(?:check|look|search|call|use))\b",
    re.IGNORECASE,
)

# Questions that ask permission or offer help rather than ask for a fact.
PERMISSION_Q_RE = re.compile(
    r"^\W*(?:shall i|should i|do you want me to|would you like(?: me)? to|can i help|may i help"
    r"|how (?:can|may) i (?:help|assist)|what (?:else )?can i do for you"
    r"|is there anything|anything else|does that (?:work|sound)"
    r"|is that (?:ok|okay|alright|correct|right)"
    r"|would that (?:work|be ok)|ready to|want me to)\b",
    re.IGNORECASE,
)

QUESTION_FILLER = frozenset(
    """what which when where who whom whose how why could would can may might will do does did is
    are was were please tell me let know provide share give confirm kindly you your yours i we
    us our like need want should shall the a an of for to with on in at by be is it that this
    ok okay so also just exactly""".split()
)

# What kind of value a question asks for, by its wording: a question whose slot words sit in a
# sentence that holds a value of that kind is already answered ("What is your email?" after
# "My email is dana@example.com").
QUESTION_KINDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(rf"\b(?:{cues})\b"), frozenset(kinds.split()))
    for cues, kinds in (
        (r"e-?mail", "email"),
        (r"phone|mobile|cell", "phone"),
        (r"(?:order|booking|reference|confirmation|ticket|tracking|account|case) (?:number|id)",
         "id number"),
        (r"when|date|which day|what day", "date"),
        (r"what time|which time|at what time", "time"),
        (r"how much|price|cost|total|bill|amount|fee|budget|pay", "money number"),
        (r"how many|quantity|number of", "number"),
    )
)  # fmt: skip

# The names people write for the currencies whose ISO codes tools take ("500 US dollars" for
# `base_currency="USD"`). Only names that point at one currency: a bare "dollars" does not.
CURRENCY_NAMES: dict[str, tuple[str, ...]] = {
    "USD": ("us dollar", "us dollars", "u.s. dollar", "u.s. dollars", "american dollar",
            "american dollars"),
    "EUR": ("euro", "euros"),
    "GBP": ("british pound", "british pounds", "pound sterling", "pounds sterling", "sterling"),
    "JPY": ("japanese yen", "yen"),
    "CAD": ("canadian dollar", "canadian dollars"),
    "AUD": ("australian dollar", "australian dollars"),
    "NZD": ("new zealand dollar", "new zealand dollars"),
    "CHF": ("swiss franc", "swiss francs"),
    "CNY": ("chinese yuan", "yuan", "renminbi", "rmb"),
    "INR": ("indian rupee", "indian rupees"),
    "MXN": ("mexican peso", "mexican pesos"),
    "BRL": ("brazilian real", "brazilian reais"),
    "KRW": ("south korean won", "korean won"),
    "SEK": ("swedish krona", "swedish kronor"),
    "NOK": ("norwegian krone", "norwegian kroner"),
    "DKK": ("danish krone", "danish kroner"),
    "SGD": ("singapore dollar", "singapore dollars"),
    "HKD": ("hong kong dollar", "hong kong dollars"),
    "ZAR": ("south african rand", "rand"),
    "RUB": ("russian ruble", "russian rubles", "ruble", "rubles"),
}  # fmt: skip
