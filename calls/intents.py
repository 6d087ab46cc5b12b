"""Local intent rules: answer the simplest caller utterances without the language model.

Contract: `detect_intent` names the intent an utterance expresses *by itself*, or None whenever
the assistant must answer; `reply_for` is one short spoken reply for it (no markdown or emoji,
varied between calls); `assistant_ending` tells whether the assistant's own answer ends the call
or hands it over; `is_question` tells whether an utterance asks something. English and Spanish
are recognised on every call; text is compared lowercased, without accents or punctuation.

Rules chosen for the ambiguous cases:
- Greeting, thanks, farewell and language switches fire only when every word is one of their
  phrases or a filler ("ok", "um", "please", "bueno"); anything left over ("Hello, what time do
  you open?") → None. Farewell beats thanks beats greeting ("Thanks, bye" → FAREWELL).
- "No, thank you" / "Sí, gracias" → None: declining an offer or ending the call depends on what
  was just asked. With an explicit closing ("No, that's all, thank you") → FAREWELL.
- LIVE_AGENT wins over extra content when explicit: a contact verb (talk/speak/chat to, transfer
  me, put me through, connect me, want/need/get a; hablar/comunicar/pasar/transferir con,
  quiero un) before a person word (person, human, agent, representative, operator, receptionist,
  front desk; persona, agente, humano, operador(a), recepción...). "Someone"/"alguien" need
  talk/speak/hablar ("I need someone to look at my tooth" → None). Without a contact verb only a
  bare person word counts ("Agent", "A real human, please", "Con un agente"), so "Is there a
  person who can fix my tooth?" → None.
- A negation in the four words before a request cancels it ("I don't want to talk to a person",
  "No quiero hablar con una persona" → None); a leading "No," answer does not.
- Language switch: a language name plus request words only (speak, in, can, habla, en...), so
  "Do you have Spanish-speaking dentists?" → None. "No hablo inglés" → SPEAK_SPANISH, "I don't
  speak Spanish" → SPEAK_ENGLISH; "Can I talk to someone in Spanish?" → LIVE_AGENT.
- "Buenas noches" greets alone but says goodbye after thanks ("Gracias, buenas noches").
- `language` matters once: a bare "¿Bueno?" is the Mexican telephone hello on a Spanish call
  (GREETING); elsewhere "bueno" is only a filler.
"""

import enum
import random
import re
import string
import unicodedata

from calls.phrases import base_language


class Intent(enum.StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"
    LIVE_AGENT = "live_agent"
    SPEAK_SPANISH = "speak_spanish"
    SPEAK_ENGLISH = "speak_english"


_APOSTROPHE = re.compile("['`\u2019\u2018\u00b4]")
_CLAUSE_BREAK = re.compile(r"[.,;:!?¿¡…\n]+")
_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _clauses(text: str) -> list[str]:
    """Lowercase, accent-free clauses of plain words: "¡Adiós, Ana!" → ["adios", "ana"]."""
    plain = unicodedata.normalize("NFKD", _APOSTROPHE.sub("", text or "").lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    parts = (" ".join(_NON_WORD.sub(" ", part).split()) for part in _CLAUSE_BREAK.split(plain))
    return [part for part in parts if part]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


# Phrases that make up a whole utterance, consumed in this order (longest meanings first).
_BYE = (
    r"(?:good ?)?bye(?: bye)*(?: now| then| for now)?|adios|hasta (?:luego|pronto|la proxima)"
    r"|cha[ou]|ciao"
)
_FAREWELL = _words(
    _BYE + r"|see (?:you|ya)(?: later| soon| then| tomorrow)?|talk to you (?:later|soon)"
    r"|take care|good night|have a (?:(?:very|really) )?(?:nice|good|great|wonderful|lovely"
    r"|blessed|fantastic) (?:day|one|evening|night|afternoon|weekend|morning)"
    r"|(?:i think )?(?:thats|that is|that was|thatll be|that will be|thatd be|that would be)"
    r" (?:all|it|everything)(?: i (?:need|needed|wanted))?(?: for (?:now|today))?"
    r"|nothing (?:else|more)(?: for (?:now|today))?|(?:im|i am|were|we are) (?:all set|done)"
    r"|all set|i (?:have|got|gotta|need) to go|gotta go"
    r"|hasta (?:manana|entonces)|nos vemos|que (?:tenga|tengas|tengan|pase|pases|pasen)"
    r"(?: (?:un|una|muy))* (?:buen|buena|buenas|bonito|bonita|lindo|linda|excelente|feliz)"
    r" (?:dia|tarde|tardes|noche|noches|fin de semana)|que (?:le|te|les) vaya bien"
    r"|cuidese|cuidate|feliz (?:dia|tarde|noche|fin de semana)|buen fin de semana"
    r"|(?:(?:eso|esto) )?(?:ya )?(?:es|seria|era) todo(?: lo que (?:necesito|necesitaba))?"
    r"(?: por (?:ahora|hoy))?|(?:ya )?(?:no )?(?:necesito )?nada mas(?: por (?:ahora|hoy))?"
    r"|ya esta|me tengo que ir"
)
_NIGHT = _words(r"buenas noches")
_THANKS = _words(
    r"(?:thank (?:you|u)|thanks|many thanks)(?: (?:so|very|so very) much| a (?:lot|bunch|ton)"
    r"| again| kindly)?(?: for (?:all (?:of )?)?(?:(?:your|the) )?(?:help|time|assistance"
    r"|information|everything|that))?|(?:much|greatly|really) appreciated"
    r"|(?:i )?(?:really )?appreciate (?:it|that|your help)|(?:(?:muchas|muchisimas|mil) )?gracias"
    r"(?: (?:por|de) (?:todo|su ayuda|tu ayuda|la ayuda|la informacion|su tiempo|nuevo))?"
    r"(?: a (?:usted|ti|ustedes))?|(?:se|te) lo agradezco|le agradezco|(?:muy|super) amable"
    r"|muy agradecid[oa]"
)
_GREETING = _words(
    r"(?:hi|hello|hey|hiya|howdy|greetings)(?: (?:there|everyone|everybody|all))?"
    r"|good (?:morning|afternoon|evening|day)|hola|buen(?:os)? dias?|buenas(?: tardes)?|alo"
)
_SPEAK_NOT = r"(?:(?:i )?(?:dont|do not|cant|cannot)|no)(?: (?:speak|understand|hablo|entiendo))"
_SPEAK_NOT_TAIL = r"(?: (?:much|well|very well|good|bien|mucho|muy bien))?"
_NO_ENGLISH = _words(_SPEAK_NOT + _SPEAK_NOT_TAIL + r" (?:english|ingles)")
_NO_SPANISH = _words(_SPEAK_NOT + _SPEAK_NOT_TAIL + r" (?:spanish|espanol)")
_SPANISH = _words(r"spanish|espanol|castellano")
_ENGLISH = _words(r"english|ingles")
_PEOPLE = _words(
    r"(?:(?:to|with|con|a|an|the|some|un|una|el|la|real|live|actual) )*(?:person|human(?: being)?"
    r"|someone|somebody|agent|representative|operator|receptionist|front desk|customer service"
    r"|persona|alguien|agente|humano|ser humano|operador|operadora|representante"
    r"|recepcion(?:ista)?)(?: (?:real|de verdad|en vivo))?"
)
_ANSWER = _words(r"yes|yeah|yep|yup|no|nope|nah|si")
_FILLER = _words(
    r"ok(?:ay|ey)?|oh|um+|uh+|uhm|hmm+|mm+|mhm|er|ah+|eh|well|so|alright|all right|right|great"
    r"|perfect|awesome|cool|wonderful|excellent|nice|good|very good|got it|i see|sounds good"
    r"|understood|and|sure|please|sorry|there|sir|maam|miss|bueno|vale|pues|perfecto|excelente"
    r"|genial|listo|muy bien|bien|este|y|entendido|claro|de acuerdo|por favor|senor|senora"
    r"|senorita|oye|oiga|disculpe|perdon|lo siento|sale|ya"
)
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("es", _NO_ENGLISH), ("en", _NO_SPANISH), ("farewell", _FAREWELL), ("night", _NIGHT),
    ("thanks", _THANKS), ("greeting", _GREETING), ("es", _SPANISH), ("en", _ENGLISH),
    ("people", _PEOPLE), ("answer", _ANSWER), ("filler", _FILLER),
)  # fmt: skip
# Words a language request may wrap around the language name ("can we speak in ...").
_LANG_FRAME = _set(
    "can could would will we you i me us do does is are there in to the this it only also speak"
    " speaks talk continue switch change go prefer want need like rather lets let id anyone"
    " someone somebody who language habla hablas hablo hable hablar hablame hableme hablan"
    " hablemos puede puedes pueden podemos podria usted ud se en el idioma quiero quisiera"
    " prefiero mejor cambiar cambie seguir sigamos continuar continuemos atender atenderme"
    " alguien que hay yo solo a al"
)

# Explicit requests for a person, allowed inside longer utterances.
_DET_EN = r"(?:(?:a|an|the|some|any|your|another|real|live|actual) )*"
_NOUN_EN = (
    r"person|human(?: being)?|agent|representative|rep|operator|receptionist|front desk"
    r"|(?:staff|team) member|member of (?:your|the) (?:team|staff)|customer service"
)
_ANYONE_EN = r"someone|somebody|anyone|anybody|people|staff|manager"
_DET_ES = r"(?:(?:con|a|al|un|una|el|la|algun|alguna) )*"
_NOUN_ES = (
    r"persona|agente|humano|ser humano|operador|operadora|representante|recepcion(?:ista)?"
    r"|asesora?|encargad[oa]|gerente|miembro del (?:equipo|personal)"
)
_AGENT_REQUEST = _words(
    rf"(?:talk|speak|chat) (?:to|with) {_DET_EN}(?:{_NOUN_EN}|{_ANYONE_EN})"
    r"|transfer (?:me|us|my call|this call)|put (?:me|us|my call) through"
    rf"|(?:connect|patch) (?:me|us)(?: through)?(?: (?:to|with) {_DET_EN}(?:{_NOUN_EN}"
    rf"|{_ANYONE_EN})|(?: please)?$)|(?:want|need|get|like|request|give me) {_DET_EN}(?:{_NOUN_EN})"
    r"|(?:hablar|platicar|comunicar(?:me|nos)?|comuniqueme|comunique|comunica|pasar(?:me)?|paseme"
    r"|pase|pasa|conectar(?:me)?|conecteme|transferir(?:me)?|transfierame|transfiera)"
    rf" {_DET_ES}(?:{_NOUN_ES}|alguien)|(?:quiero|necesito|quisiera) {_DET_ES}(?:{_NOUN_ES})"
    r"|transfierame|(?:puede|podria|puedes) transferirme"
)
_MAX_WORDS = 24
_NEGATIONS = _set("dont not never doesnt wont didnt without nunca tampoco ni sin")
# After these, a leading "no" answers the assistant ("No, I want ..."), it does not negate.
_ANSWER_NEXT = _set(
    "i im id ill we can could would please just but actually sorry wait thanks thank let put"
    " transfer connect get give gracias por si yes ok okay"
)


def _agent_request(clauses: list[str]) -> bool | None:
    """True for an explicit request for a person, False when each one found is negated."""
    result: bool | None = None
    for clause in clauses:
        for match in _AGENT_REQUEST.finditer(clause):
            window = clause[: match.start()].split()[-4:] + match.group().split()[:1]
            negated = any(
                word in _NEGATIONS or (word == "no" and window[i + 1] not in _ANSWER_NEXT)
                for i, word in enumerate(window[:-1])
            )
            if not negated:
                return True
            result = False
    return result


def detect_intent(text: str, language: str = "en") -> Intent | None:
    """The intent a caller's utterance expresses by itself, or None when the assistant must
    answer. See the module docstring for the rules."""
    clauses = _clauses(text)
    if not clauses:
        return None
    request = _agent_request(clauses)
    if request is not None:
        return Intent.LIVE_AGENT if request else None
    rest = " ".join(clauses)
    if rest.count(" ") >= _MAX_WORDS:
        return None  # no greeting, thanks or goodbye is this long: it carries content
    if base_language(language) == "es" and set(rest.split()) == {"bueno"}:
        return Intent.GREETING  # "¿Bueno?" is how Mexico answers the phone
    found: set[str] = set()
    for name, pattern in _PHRASES:
        rest, count = pattern.subn(" ", rest)
        if count:
            found.add(name)
    languages = found & {"es", "en"}
    if any(word not in _LANG_FRAME for word in rest.split()) or (rest.strip() and not languages):
        return None
    if "answer" in found and not found & {"farewell", "people", "es", "en"}:
        return None  # "No, thank you" / "Sí, gracias": the model knows what was asked
    if len(languages) == 2:
        return None
    if languages:
        return Intent.SPEAK_SPANISH if "es" in languages else Intent.SPEAK_ENGLISH
    if "people" in found:
        return Intent.LIVE_AGENT
    if "farewell" in found or {"night", "thanks"} <= found:
        return Intent.FAREWELL
    if "thanks" in found:
        return Intent.THANKS
    if found & {"greeting", "night"}:
        return Intent.GREETING
    return None


_ASKS = _set(
    "what whats when where wheres who whos whom whose why how hows which is isnt are arent am"
    " was were do does doesnt did didnt can could will would should shall may might has"
    " que cual cuales cuando donde adonde quien quienes como cuanto cuanta cuantos cuantas hay"
    " tiene tienen tienes puede pueden puedes puedo podria podrian podemos aceptan acepta hablan"
    " habla hablas abren cierran atienden trabajan hacen sabe sabes"
)
_HAVE_SUBJECT = _set("you they we i he she it the your any")
# "Que tenga un buen día", "¡Qué bueno!": wishes and exclamations, not questions.
_NOT_AFTER_QUE = _set(
    "tenga tengas tengan le te les este estes esten pase pases pasen bueno bien amable pena"
    " lastima lindo bonito padre gusto suerte mal dios"
)
_LEAD_IN = _set(
    "hi hello hey ok okay so um uh umm uhm and well oh also yes yeah no sorry please but then"
    " actually hola bueno pues oye oiga disculpe perdon y este mira mire entonces ah eh alo si"
    " gracias thanks"
)
_PREPOSITIONS_ES = _set("a de en para por con desde hasta")
_WH_ES = _set("cual cuales cuando donde quien quienes como cuanto cuanta cuantos cuantas")
_TAGS = frozenset({"right", "correct", "verdad", "cierto", "no es cierto", "isnt it"})


def is_question(text: str) -> bool:
    """Whether the utterance asks something: a "?" or "¿", or a clause that starts (after
    lead-ins like "hi", "so", "oye") with a question word or an inverted verb, in English or
    Spanish ("Hello, what time do you open", "tienen citas el sábado"), or ends in a tag
    (", right", ", verdad"). Unaccented "que/como/cuando" count unless they start a wish or an
    exclamation ("que tenga un buen día", "qué bueno")."""
    if "?" in text or "¿" in text:
        return True
    for index, clause in enumerate(_clauses(text)):
        if index and clause in _TAGS:
            return True
        words = clause.split()
        while words and words[0] in _LEAD_IN:
            words.pop(0)
        if not words:
            continue
        first, second = words[0], words[1] if len(words) > 1 else ""
        if first in _PREPOSITIONS_ES and (second in _WH_ES or words[1:3] in (["que", "hora"],)):
            return True  # "a qué hora", "con quién"
        if (first, second) == ("por", "que") or (first == "have" and second in _HAVE_SUBJECT):
            return True
        if first == "que" and second in _NOT_AFTER_QUE:
            continue
        if first in _ASKS:
            return True
    return False


_G, _T, _F, _A = Intent.GREETING, Intent.THANKS, Intent.FAREWELL, Intent.LIVE_AGENT
_S, _E = Intent.SPEAK_SPANISH, Intent.SPEAK_ENGLISH
# Variants without a name keep replies sensible when a profile leaves a name blank.
_ROWS = (
    (_G, "en", "Hi! This is {assistant} at {business}. How can I help you today?"),
    (_G, "en", "Hello! You've reached {business}, this is {assistant}. What can I do for you?"),
    (_G, "en", "Hello! Thanks for calling {business}. How can I help you today?"),
    (_G, "en", "Hi! How can I help you today?"),
    (_G, "es", "¡Hola! Soy {assistant}, de {business}. ¿En qué le puedo ayudar?"),
    (_G, "es", "¡Hola! Le atiende {assistant}, de {business}. ¿Cómo le puedo ayudar hoy?"),
    (_G, "es", "¡Hola! Gracias por llamar a {business}. ¿En qué le puedo ayudar?"),
    (_G, "es", "¡Hola! ¿En qué le puedo ayudar?"),
    (_T, "en", "You're welcome! Is there anything else I can help you with?"),
    (_T, "en", "My pleasure! Is there anything else I can do for you?"),
    (_T, "en", "Happy to help! Is there anything else you need today?"),
    (_T, "es", "¡De nada! ¿Hay algo más en lo que le pueda ayudar?"),
    (_T, "es", "¡Con mucho gusto! ¿Le puedo ayudar con algo más?"),
    (_T, "es", "¡Para servirle! ¿Hay algo más que pueda hacer por usted?"),
    (_F, "en", "Thank you for calling {business}. Goodbye!"),
    (_F, "en", "Thanks for calling {business}. Have a great day. Goodbye!"),
    (_F, "en", "It was a pleasure to help. Thank you for calling {business}, goodbye!"),
    (_F, "en", "Thank you for calling. Have a great day. Goodbye!"),
    (_F, "es", "Gracias por llamar a {business}. ¡Adiós!"),
    (_F, "es", "Gracias por llamar a {business}. Que tenga un buen día. ¡Adiós!"),
    (_F, "es", "Fue un placer ayudarle. Gracias por llamar a {business}, ¡adiós!"),
    (_F, "es", "Gracias por llamar. Que tenga un buen día. ¡Adiós!"),
    (_A, "en", "Of course. I'll connect you with a member of our team."),
    (_A, "en", "Sure, one moment while I connect you with someone from our team."),
    (_A, "en", "No problem. Let me transfer you to a member of our team."),
    (_A, "es", "Claro. Le comunico con un miembro de nuestro equipo."),
    (_A, "es", "Por supuesto. Un momento, le comunico con alguien de nuestro equipo."),
    (_A, "es", "Con gusto. Le paso con un miembro de nuestro equipo."),
    (_S, "es", "¡Claro! Seguimos en español. ¿En qué le puedo ayudar?"),
    (_S, "es", "¡Por supuesto! Podemos hablar en español. ¿En qué le puedo ayudar?"),
    (_S, "es", "Con gusto, continuamos en español. ¿Cómo le puedo ayudar?"),
    (_E, "en", "Of course! Let's continue in English. How can I help you?"),
    (_E, "en", "Sure, we can speak in English. What can I do for you?"),
    (_E, "en", "No problem, I'll continue in English. How can I help?"),
)
_REPLIES: dict[tuple[Intent, str], list[tuple[str, set[str]]]] = {}
for _intent, _lang, _template in _ROWS:
    _needs = {name for _, name, _, _ in string.Formatter().parse(_template) if name}
    _REPLIES.setdefault((_intent, _lang), []).append((_template, _needs))
_TARGET = {_S: "es", _E: "en"}  # a switch is confirmed in the language switched to


def reply_for(
    intent: Intent,
    language: str,
    *,
    assistant_name: str,
    business_name: str,
    rng: random.Random | None = None,
) -> str:
    """A short, natural, localised reply, varied between calls. Switches answer in the target
    language; otherwise `language` picks English or Spanish. A blank name drops the variants
    that need it, so no reply ever says "This is  at ."."""
    lang = _TARGET.get(intent) or base_language(language)
    values = {"assistant": assistant_name.strip(), "business": business_name.strip()}
    usable = [t for t, needs in _REPLIES[intent, lang] if all(values[n] for n in needs)]
    choice = rng.choice if rng is not None else random.choice
    return choice(usable).format(**values)


_HANDOFF = _words(
    r"(?:ill|i will|let me|im going to|i am going to|im gonna|allow me to|(?:while|as) i)"
    r"(?: (?:now|just|quickly|go ahead and))* (?:(?:transfer|connect|forward|patch) you"
    r"|put you (?:through|in touch)|pass you (?:to|over|along|on))"
    r"|(?:transferring|connecting|forwarding|patching) you|putting you (?:through|in touch)"
    r"|passing you (?:to|over|along|on)"
    r"|(?:le|lo|la) (?:(?:voy a )?(?:comunicar|pasar|transferir|conectar)|comunico|paso"
    r"|transfiero|conecto)(?: (?:ahora mismo|ahora|enseguida|en seguida|de inmediato))?"
    r"(?: (?:con|a|al)\b|$)|(?:le|lo|la) (?:pongo|voy a poner) en contacto"
    r"|(?:voy a|permitame|dejeme) (?:comunicar|transferir|pasar|conectar)l[eoa]"
    r"|(?:comunicando|transfiriendo|pasando|conectando)l[eoa]"
)
_CONDITIONAL = _words(r"if|si (?:usted |lo |asi )?(?:quiere|desea|gusta|prefiere|necesita)")
_NOT = _NEGATIONS | {"no"}
_STRICT_BYE = _words(_BYE)
_CLOSING = _words(
    r"take care|have a (?:(?:very|really) )?(?:nice|good|great|wonderful|lovely) (?:day|one"
    r"|evening|afternoon|weekend)|que (?:tenga|pase) (?:un |una )?(?:buen|buena|buenas|feliz)"
    r" (?:dia|tarde|tardes|noche|noches|fin de semana)|que le vaya bien|cuidese|please hold"
    r"|(?:just )?(?:one|a) moment(?: please)?|hold on|thank you|thanks|(?:muchas )?gracias"
    r"|un momento(?: por favor)?|por favor espere|espere un momento|no cuelgue|for now|now"
    r"|then|and|y|again"
)


def assistant_ending(text: str, language: str = "en") -> Intent | None:
    """Whether the assistant's own answer closes the call: FAREWELL when it ends in a goodbye
    ("Have a great day. Goodbye.", "Que tenga un buen día, adiós."), LIVE_AGENT when it ends
    in a handoff ("Let me connect you with a person.", "Le paso con una persona ahora."), else
    None. Trailing courtesies ("Please hold.", "Take care!") are looked past; a closing
    question, a conditional offer ("If you'd like, I can transfer you") or a goodbye mentioned
    inside a sentence does not count. A handoff followed by "Goodbye!" is LIVE_AGENT. Both
    languages are always recognised; `language` is accepted for symmetry."""
    said_goodbye = False
    for sentence in reversed(_SENTENCE.findall(text or "")):
        clauses = _clauses(sentence)
        if not clauses:
            continue
        if "?" in sentence or "¿" in sentence:
            break
        if not _CONDITIONAL.search(" ".join(clauses)):
            for clause in clauses:
                for match in _HANDOFF.finditer(clause):
                    before = clause[: match.start()].split()[-1:]  # "no le comunico"
                    if not _NOT.intersection(before):
                        return Intent.LIVE_AGENT
        closing = [not _CLOSING.sub(" ", _STRICT_BYE.sub(" ", c)).strip() for c in clauses]
        if any(done and _STRICT_BYE.search(c) for done, c in zip(closing, clauses, strict=True)):
            said_goodbye = True
        if not all(closing):
            break
    return Intent.FAREWELL if said_goodbye else None


_YES = _words(r"yes|yeah|yep|yup|sure|ok(?:ay)?|please|si|claro|vale|de acuerdo|por favor")
_NO = _words(r"no|nope|nah|not")


def is_affirmative(text: str) -> bool:
    """A short "yes" ("Yes, please", "Sí, por favor", "OK"), as an answer to an offer."""
    words = " ".join(_clauses(text))
    if not words or len(words.split()) > 5 or _NO.search(words):
        return False
    return not _YES.sub("", words).strip(" ,") and bool(_YES.search(words))
