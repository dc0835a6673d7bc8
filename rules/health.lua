-- Rules of the health insurance procedures.

-- Assumptions (not in DOMAIN.md; the Law on Health Insurance's household rates as commonly
-- cited): a month costs 4.5% of the base salary, 2,340,000 VND since 1 July 2024, for the first
-- member of a household; the second pays 70% of that, the third 60%, the fourth 50%, the fifth
-- and the next 40%.
local BASE_SALARY = 2340000
local RATE_PER_MILLE = 45
local SHARE = { 100, 70, 60, 50 }   -- percent of the first member's contribution, by rank
local LATER_SHARE = 40
local MONTHS = { m3 = 3, m6 = 6, m12 = 12 }

function household_contribution(d)
  local rank = d.fields["member-rank"] or 1
  if rank < 1 then
    error("member-rank must be 1 or more, not " .. rank)
  end
  local share = SHARE[rank] or LATER_SHARE
  local months = MONTHS[d.fields.months] or 12
  local month = BASE_SALARY * RATE_PER_MILLE // 1000
  return month * share * months // 100
end
