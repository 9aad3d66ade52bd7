-- Which replica received an update: replicas first lease chats whose updates reached them (the load
-- balancer then spreads the work), and take over others' only once those have waited a moment.
ALTER TABLE telegram_updates ADD COLUMN received_by TEXT;
