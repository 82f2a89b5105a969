/***
* A fake model for tests. Form: uint64_t f(const uint64_t B, const uint64_t A);
* the first parameter is named B but is the activation operand.
* PDK45_PWR = 0.250 mW
* PDK45_AREA = 400.25 um2
* PDK45_DELAY = 0.9 ns
***/
#include <stdint.h>

uint64_t mul8u_fake3(const uint64_t B, const uint64_t A)
{
  /* Non-zero for a zero weight, and not commutative. */
  return B * A + (B >> 6) + (A == 0 ? 1 : 0);
}
