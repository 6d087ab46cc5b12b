"""The call's language: switching it when the caller asks or speaks another; part of
RelaySession."""

import logging

from channels.db import database_sync_to_async

from calls import protocol
from calls.intents import Intent
from calls.models import TurnRole, TurnSource
from calls.phrases import base_language
from calls.services import call_language_set

logger = logging.getLogger(__name__)

SWITCHES = {Intent.SPEAK_SPANISH: "es", Intent.SPEAK_ENGLISH: "en"}


class LanguageMixin:
    async def _switch_language(self, intent: Intent | None, spoken_lang: str) -> bool:
        target = SWITCHES.get(intent) if intent else None
        if (
            target is None
            and spoken_lang
            and base_language(spoken_lang) != base_language(self.language)
        ):
            target = base_language(spoken_lang)
        code = self._language_code(target) if target else None
        if not code or code == self.language:
            return False
        logger.info("call %s: language %s → %s", self.call_sid, self.language, code)
        self.language = code
        await self.send(protocol.language_frame(code))
        self.transcript.turn(
            role=TurnRole.SYSTEM, source=TurnSource.SYSTEM, language=code, text=f"language: {code}"
        )
        await database_sync_to_async(call_language_set)(call=self.call, language=code)
        return True

    def _language_code(self, base: str) -> str | None:
        """The profile's language code for a primary subtag (`es` → `es-US`), if it has one."""
        codes = [self.profile.language, *(x.code for x in self.profile.extra_languages.all())]
        return next((code for code in codes if base_language(code) == base), None)
