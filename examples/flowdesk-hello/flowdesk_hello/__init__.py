"""An example flowdesk connector: ``hello.greet`` greets a person; its ``Config`` comes from settings."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.models import ActionResult, Card
from connectors.base import ActionContext, Connector, ConnectorConfig, action


class HelloConfig(ConnectorConfig):
    """Settings this connector reads; unknown flowdesk settings are ignored."""

    hello_greeting: str = "Hello"


class GreetArgs(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class HelloConnector(Connector):
    """Greets people by name."""

    name = "hello"
    Config = HelloConfig
    config: HelloConfig

    @action("hello.greet", args=GreetArgs, ask={"name": "Whom should I greet?"})
    async def greet(self, ctx: ActionContext, args: GreetArgs) -> ActionResult:
        """Say hello to someone."""
        text = f"{self.config.hello_greeting}, {args.name}! (asked by {ctx.actor.name or ctx.actor.user})"
        return ActionResult(action="hello.greet", summary=text, card=Card(title=text))
