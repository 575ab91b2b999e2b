from sqlalchemy.ext.asyncio import create_async_engine

# Copied from the cloud console; asyncpg does not understand sslmode.
engine = create_async_engine(
    "postgresql+asyncpg://api:canary-api-1@db.internal:5432/shop?sslmode=require"
)
