/*
 * fair_toy.pml -- a check of fair_claim.py's encoding, by hand (run.sh does not run it): B is
 * enabled infinitely often (whenever x == 1) but never continuously, since A toggles x forever.
 * Under weak fairness B may starve; under strong fairness it must move.
 *
 *   spin -a fair_toy.pml && gcc -DNOREDUCE -o pan pan.c && ./pan -a -f
 *       -> acceptance cycle: <> bdone fails under SPIN's weak fairness (B starves)
 *   python3 fair_claim.py 2 P one > claim.pml && cat fair_toy.pml claim.pml > toy.pml &&
 *   spin -DNOLTL -a toy.pml && gcc -DNOREDUCE -o pan pan.c && ./pan -a
 *       -> errors: 0: it holds under strong fairness per process
 * (With B's guard x == 2, B is never enabled and the generated claim finds the violation, a
 * stuttering one if A is made to stop.)
 */
bit x;
bit bdone;
active proctype A() { do :: d_step { true -> x = 1 - x } od }
active proctype B() { do :: d_step { x == 1 && !bdone -> bdone = 1 } od }

#define P_FROM(i) (1)
#define P_TO(i)   (bdone)
#ifndef NOLTL
ltl p { <> bdone }
#endif
