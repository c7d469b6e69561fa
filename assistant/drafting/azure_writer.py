"""The azure provider: the chat writer on Azure OpenAI (ISMS_AZURE_ENDPOINT, ISMS_AZURE_DEPLOYMENT,
ISMS_AZURE_API_VERSION; an API key or ISMS_AZURE_AD_TOKEN), asked for strict json_schema output first."""

from __future__ import annotations

from assistant.drafting.chat_writer import ChatWriter


class AzureWriter(ChatWriter):
    name = "azure"
