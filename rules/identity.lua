-- Rules of the identity procedures (Law on Identification 2023).

-- Assumption (not in DOMAIN.md; fee circular of the Ministry of Finance as commonly cited): an
-- exchange at the ages the law sets is free, another exchange costs 50,000 VND, a replacement of
-- a lost card 70,000 VND.
local EXCHANGE_FEE = 50000
local REPLACEMENT_FEE = 70000

function card_fee(d)
  local case = d.fields.case
  if case == "age-milestone" then
    return 0
  elseif case == "lost" then
    return REPLACEMENT_FEE
  end
  return EXCHANGE_FEE
end

-- The old card is required (fetched from the population database) unless it was lost.
function card_held(d)
  return d.fields.case ~= "lost"
end
