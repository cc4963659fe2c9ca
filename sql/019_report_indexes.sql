-- Indexes for the commissioners' reports (src/reports/), found with npm run bench:reports.
--
-- The demand report picks referrals by the UK date they were made,
-- (created_at AT TIME ZONE 'Europe/London')::date. Without statistics on that expression the
-- planner guesses 0.5% of the rows (363 where a year at 1M listings holds 150,000) and joins
-- the listings and organisations by nested loops, one index probe per referral. An index on
-- the expression gives ANALYZE its statistics (and a period a range to scan), so a year's
-- referrals are hash-joined instead: the referrals-by-listing statement went from 2.6 s to
-- 1.1 s at 1M listings (bench/results/reports-018-*.md).
CREATE INDEX referral_created_day_idx ON referral (((created_at AT TIME ZONE 'Europe/London')::date));

ANALYZE referral;
