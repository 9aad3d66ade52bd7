-- Referrals. Each user gets a random code when they first need one (`/invite`, a shared card);
-- it is never derived from the Telegram id, so a link does not tell who the trader is.
-- `referred_by` is the user whose link brought this one in, set only on their first /start. When
-- the referrer is erased the link goes with them (SET NULL): the referred user stays, pointing at
-- nobody.
ALTER TABLE users ADD COLUMN referral_code TEXT;
ALTER TABLE users ADD COLUMN referred_by TEXT REFERENCES users(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX users_referral_code ON users (referral_code);
CREATE INDEX users_referred_by ON users (referred_by);
