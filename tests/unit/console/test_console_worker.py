"""A separate ``flowdesk worker`` posts the console's notices into the same threads."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.workerproc import _add_sending_adapters, _NoNLU
from tests.browser.flows import ASK_APPROVAL, console_registry
from tests.unit.console.conftest import Factory


async def test_a_separate_worker_posts_the_approvers_card_into_the_thread(console: Factory) -> None:
    async with console() as web:
        thread = await web.say(ASK_APPROVAL, user="alex")
        before = await web.adapter.store.signature()
        settings = web.runtime.settings
        worker = Runtime(settings=settings, nlu=_NoNLU(), registry=console_registry(settings))
        _add_sending_adapters(worker)
        await worker.start(run_worker=False, load_nlu_now=False)
        try:
            assert await worker.worker.run_once() == 1
        finally:
            await worker.close()
        titles = [(e["card"] or {}).get("title") for e in await web.thread(thread, user="dana")]
        assert "Approval requested: a new laptop" in titles
        assert await web.adapter.store.signature() != before
