"""The data the context rules read: regnal names, words that make a Roman numeral a plain number,
abbreviations whose reading depends on their neighbours, heteronyms and the cues to their senses,
fraction names and units that the unit table lacks."""

from __future__ import annotations

# a Roman numeral after one of these is regnal: "Louis XIV" -> "Louis the Fourteenth"
REGNAL = frozenset(
    """louis henry elizabeth george charles edward william james richard john paul pius leo benedict gregory
    innocent clement alexander peter catherine frederick philip ferdinand napoleon ramesses mary victoria anne
    alfonso carlos juan felipe gustav gustavus olaf harald haakon christian wilhelm otto constantine ivan
    nicholas francis rudolf pedro manuel umberto victor ptolemy cleopatra amenhotep thutmose urban boniface
    sixtus stephen malcolm david robert alexios michael basil leopold joseph maximilian sigismund casimir
    sobieski frederik christopher edmund harold henri jean philippe hugh ludwig friedrich karl franz
    vittorio amadeus sergius adrian eugene celestine honorius martin nicholas felix""".split()
)
# a Roman numeral after one of these is a cardinal: "World War II" -> "World War two"
CARDINAL_BEFORE = frozenset(
    """war bowl part chapter act volume vol episode phase type class level stage grade mark title article
    section book scene series apollo gemini rocky fantasy star trek league division tier round""".split()
)
CENTURY_AFTER = frozenset("century centuries millennium".split())
# Roman numerals that are also common words or acronyms, never read as numbers
NOT_ROMAN = frozenset("I MIX CD DC CV MD MC MM CC CM DI LI MI DIV CIV LIV MIL VI XL XXL XS DIM MID LCD".split())

# "St." is Saint before a name and Street after one; "Dr." Doctor or Drive; and so on
TITLE_OR_STREET = {
    "st": ("Saint", "Street"),
    "dr": ("Doctor", "Drive"),
    "mt": ("Mount", "Mount"),
    "ft": ("Fort", "feet"),
}
STREET_ONLY = {
    "ave": "Avenue",
    "blvd": "Boulevard",
    "rd": "Road",
    "ln": "Lane",
    "hwy": "Highway",
    "ct": "Court",
    "pkwy": "Parkway",
    "sq": "Square",
}
TITLES = {
    "gen": "General",
    "col": "Colonel",
    "capt": "Captain",
    "lt": "Lieutenant",
    "sgt": "Sergeant",
    "gov": "Governor",
    "sen": "Senator",
    "rep": "Representative",
    "rev": "Reverend",
    "hon": "Honourable",
    "pres": "President",
    "supt": "Superintendent",
    "fr": "Father",
}

# words before a heteronym that make it a present-tense verb ("to read", "we use"), a past participle
# ("has read") or a noun ("the record")
VERB_BEFORE = frozenset(
    """to will would can could should must might may shall do does don't doesn't didn't won't can't cannot
    let's please we they i you and""".split()
)
PAST_BEFORE = frozenset("have has had 've having was were been being is are i've we've they've you've".split())
PAST_AFTER = frozenset("yesterday ago earlier already last before".split())
NOUN_BEFORE = frozenset("the a an this that my your his her its our their of no every each new in for".split())

# word -> respellings the voice says right, by sense
RESPELL = {
    "read": {"present": "reed", "past": "red"},
    "lead": {"metal": "led", "verb": "leed"},
    "live": {"adjective": "lyve", "verb": "liv"},
    "wind": {"verb": "wined"},
    "wound": {"past": "wownd"},
    "tear": {"verb": "tare"},
    "close": {"verb": "kloze", "adjective": "kloce"},
    "use": {"noun": "yoose", "verb": "yooz"},
    "minute": {"tiny": "my newt"},
    "desert": {"verb": "dih zert"},
    "produce": {"noun": "proh doose"},
}
METAL_AFTER = frozenset("pipe pipes paint poisoning weight weights acid shot pencil pencils mine mines free".split())
LIVE_AFTER = frozenset(
    """music stream streams streaming broadcast show shows event events audience wire performance coverage
    feed video updates concert concerts recording tv demo chat version""".split()
)
LIVE_BEFORE = frozenset("go goes went going gone is are was were be been".split())
WIND_AFTER = frozenset("up down the it your his her my our their back a".split())
TEAR_AFTER = frozenset("up down apart off open the it into through them this that".split())
CLOSE_VERB_AFTER = frozenset("the a an it this that your my our their his her down up off out them all its".split())
TINY_AFTER = frozenset(
    """details detail amounts amount changes change differences difference particles traces quantities
    quantity adjustments adjustment""".split()
)
TINY_BEFORE = frozenset("very so too most".split())
PRODUCE_BEFORE = frozenset("fresh local organic farm seasonal the our their your".split())
PRONOUNS = frozenset("i you we they he she it".split())

FRACTIONS = {
    "½": (1, 2),
    "⅓": (1, 3),
    "⅔": (2, 3),
    "¼": (1, 4),
    "¾": (3, 4),
    "⅕": (1, 5),
    "⅛": (1, 8),
    "⅜": (3, 8),
    "⅝": (5, 8),
    "⅞": (7, 8),
}
# written like a fraction but said otherwise
SLASH_SAID = {"24/7": "twenty-four seven", "9/11": "nine eleven", "50/50": "fifty-fifty", "20/20": "twenty twenty"}

EXTRA_UNITS = {
    "°": ("degree", "degrees"),
    "kph": ("kilometre per hour", "kilometres per hour"),
    "km/hr": ("kilometre per hour", "kilometres per hour"),
    "m/s": ("metre per second", "metres per second"),
    "L": ("litre", "litres"),
    "l": ("litre", "litres"),
    "ml": ("millilitre", "millilitres"),
    "mL": ("millilitre", "millilitres"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "°K": ("kelvin", "kelvin"),
    "nm": ("nanometre", "nanometres"),
    "µm": ("micrometre", "micrometres"),
    "sq ft": ("square foot", "square feet"),
    "ha": ("hectare", "hectares"),
    "yd": ("yard", "yards"),
    "yds": ("yards", "yards"),
    "t": ("tonne", "tonnes"),
    "Pa": ("pascal", "pascals"),
    "kPa": ("kilopascal", "kilopascals"),
    "bar": ("bar", "bar"),
    "psi": ("psi", "psi"),
    "cal": ("calorie", "calories"),
    "kcal": ("kilocalorie", "kilocalories"),
}
# units too ambiguous to read after a number on their own ("2 in 3", "Plan B")
AMBIGUOUS_UNITS = frozenset("in x B K k M l t bar".split())
