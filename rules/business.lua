-- Rules of the business-registration procedures (Law on Enterprises 2020).

-- Assumption (not in DOMAIN.md): 50,000 VND at the counter, free online.
local COUNTER_FEE = 50000

function registration_fee(d)
  if d.channel == "online" then
    return 0
  end
  return COUNTER_FEE
end
