"""Name material for the generated data: people and companies of ten EU countries.

Non-ASCII on purpose (Äijälä, Müller, Łukasz, Dvořák, Søren …): search folds
case and Unicode on both sides, so the benchmark must exercise that path, and
e-mail addresses get their ASCII transliteration as real ones mostly do.
"""

from __future__ import annotations

import unicodedata

from attrs import frozen


@frozen
class Country:
    code: str
    tld: str
    phone_prefix: str
    company_suffixes: tuple[str, ...]
    cities: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "FI",
        "fi",
        "+358 40",
        ("Oy", "Oyj", "Ky"),
        ("Helsinki", "Tampere", "Oulu", "Jyväskylä", "Turku", "Espoo"),
        ("Sanna", "Jukka", "Päivi", "Mikko", "Aino", "Väinö", "Tuulikki", "Jyrki", "Säde", "Eero"),
        (
            "Nieminen",
            "Äijälä",
            "Virtanen",
            "Korhonen",
            "Mäkinen",
            "Hämäläinen",
            "Heikkinen",
            "Järvinen",
            "Lehtonen",
            "Ylönen",
        ),
    ),
    Country(
        "DE",
        "de",
        "+49 151",
        ("GmbH", "AG", "KG"),
        ("Berlin", "München", "Köln", "Düsseldorf", "Hamburg", "Würzburg"),
        ("Jürgen", "Anna", "Lukas", "Bärbel", "Jörg", "Greta", "Maximilian", "Sören", "Ute"),
        ("Müller", "Schmidt", "Schäfer", "Groß", "Weiß", "Köhler", "Fischer", "Becker", "Krüger"),
    ),
    Country(
        "PL",
        "pl",
        "+48 601",
        ("Sp. z o.o.", "S.A."),
        ("Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk", "Poznań"),
        ("Łukasz", "Małgorzata", "Paweł", "Zofia", "Wojciech", "Agnieszka", "Jędrzej", "Żaneta"),
        ("Kowalski", "Wiśniewska", "Wójcik", "Łuczak", "Zieliński", "Dąbrowska", "Kamiński"),
    ),
    Country(
        "CZ",
        "cz",
        "+420 601",
        ("s.r.o.", "a.s."),
        ("Praha", "Brno", "Ostrava", "Plzeň", "České Budějovice"),
        ("Jiří", "Tereza", "Štěpán", "Kateřina", "Tomáš", "Lucie", "Zdeněk", "Radka"),
        ("Dvořák", "Novák", "Černá", "Procházka", "Kučera", "Veselý", "Růžička", "Šimková"),
    ),
    Country(
        "SE",
        "se",
        "+46 70",
        ("AB", "HB"),
        ("Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås"),
        ("Åsa", "Björn", "Märta", "Linnéa", "Örjan", "Sven", "Ingrid", "Håkan"),
        ("Andersson", "Johansson", "Öberg", "Lindström", "Åkesson", "Sjögren", "Ström"),
    ),
    Country(
        "DK",
        "dk",
        "+45 20",
        ("ApS", "A/S"),
        ("København", "Aarhus", "Odense", "Aalborg"),
        ("Søren", "Mette", "Jørgen", "Astrid", "Rasmus", "Sørine", "Frederik"),
        ("Jørgensen", "Nielsen", "Hansen", "Søndergaard", "Kjær", "Møller", "Østergaard"),
    ),
    Country(
        "FR",
        "fr",
        "+33 6",
        ("SAS", "SARL", "SA"),
        ("Paris", "Lyon", "Besançon", "Orléans", "Nîmes", "Montréal-la-Cluse"),
        ("François", "Zoë", "Hélène", "Jérôme", "Cécile", "Loïc", "Amélie", "Benoît"),
        ("Lefèvre", "Dubois", "Moreau", "Girard", "Bérenger", "Fontaine", "Mercier", "Roché"),
    ),
    Country(
        "ES",
        "es",
        "+34 612",
        ("S.L.", "S.A."),
        ("Madrid", "Barcelona", "Córdoba", "Málaga", "A Coruña"),
        ("José", "María", "Iñaki", "Lucía", "Álvaro", "Begoña", "Adrián", "Núria"),
        ("García", "Fernández", "Muñoz", "Martínez", "Sánchez", "Pérez", "Ibáñez", "Núñez"),
    ),
    Country(
        "EE",
        "ee",
        "+372 5",
        ("OÜ", "AS"),
        ("Tallinn", "Tartu", "Pärnu", "Võru"),
        ("Jüri", "Külli", "Mart", "Tõnu", "Ülle", "Andres", "Õie"),
        ("Tamm", "Saar", "Sepp", "Mägi", "Kütt", "Õunapuu", "Pärn"),
    ),
    Country(
        "NL",
        "nl",
        "+31 6",
        ("B.V.", "N.V."),
        ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"),
        ("Daan", "Sanne", "Joëlle", "Bram", "Anouk", "Thijs", "Noël"),
        ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "van Dijk"),
    ),
)

RARE_LAST_NAME = "Quartermaine-Ylijääskö"
"""Planted in a handful of contacts: the "rare" search term finds only those."""

INDUSTRIES = (
    "Public administration",
    "Legal services",
    "Software",
    "Manufacturing",
    "Financial services",
    "Healthcare",
    "Energy",
    "Logistics",
    "Education",
    "Telecommunications",
)

COMPANY_STEMS = (
    "Nordic",
    "Baltic",
    "Alpine",
    "Danube",
    "Helios",
    "Lumen",
    "Vértice",
    "Fjäll",
    "Kivi",
    "Stål",
    "Wiślana",
    "Vltava",
    "Meridian",
    "Aurora",
    "Solvik",
    "Tähti",
    "Brücke",
    "Porto",
    "Atlas",
    "Kestrel",
)

COMPANY_WORDS = (
    "Data",
    "Systems",
    "Analytics",
    "Legal",
    "Energia",
    "Logistik",
    "Consulting",
    "Technologies",
    "Labs",
    "Solutions",
    "Software",
    "Industrie",
)

TITLES = (
    "CTO",
    "Head of Legal",
    "Data Protection Officer",
    "Procurement Manager",
    "CIO",
    "Chief Information Security Officer",
    "Legal Counsel",
    "IT Director",
    "Head of Compliance",
    "Product Manager",
)

SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")

ACTIVITY_SUBJECTS = (
    "Intro call about EUR-Lex search",
    "Demo follow-up",
    "Sent the deployment guide",
    "Asked about air-gapped install",
    "Pricing question",
    "Procurement timeline",
    "Security review questionnaire",
    "Met at the conference",
)

TASK_TITLES = (
    "Follow up on the demo",
    "Send the proposal",
    "Book a call with procurement",
    "Answer the security questionnaire",
    "Check in after the trial",
)

_TRANSLITERATION = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d"}
)


def ascii_slug(text: str) -> str:
    """``Jędrzej Łuczak`` -> ``jedrzej-luczak``: how a name turns into an e-mail's local part."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())
